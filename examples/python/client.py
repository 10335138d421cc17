"""Quick-start client in Python: walks its avatar in a circle and chats once a second.

    python examples/python/client.py [--host 127.0.0.1] [--port 27015] [--seconds 10]
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

from game import DistributedAvatar, DistributedAvatarOV, DistributedChat  # noqa: E402
from pipesnet import ClientRepository  # noqa: E402

DC = os.path.join(os.path.dirname(__file__), "..", "..", "schemas", "example.dc")


class Client(ClientRepository):
    def handle_connected(self) -> None:
        print(f"client: connected as {self.client_id}")
        self.set_interest([1])

    def handle_disconnected(self, reason: str) -> None:
        print(f"client: disconnected: {reason}")


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--host", default="127.0.0.1")
    args.add_argument("--port", type=int, default=27015)
    args.add_argument("--seconds", type=float, default=10.0)
    opts = args.parse_args()
    cr = Client([DC], host=opts.host, port=opts.port)
    start = time.monotonic()
    next_print = 1.0
    next_step = 0.0
    while (t := time.monotonic() - start) < opts.seconds and cr.disconnect_reason is None:
        cr.poll()
        objects = list(cr.do_id2do.values())
        if t >= next_step:  # walk at 20 Hz, a typical command rate
            next_step += 0.05
            for do in objects:
                if isinstance(do, DistributedAvatarOV):
                    do.walk(t)
        if t >= next_print:
            next_print += 1.0
            for do in objects:
                if isinstance(do, DistributedChat):
                    do.send_update("say", [f"{t:.0f} s and walking"])
                elif isinstance(do, DistributedAvatar) and not do.is_owner:
                    pos = do.interpolated("setPos")
                    if pos is not None:
                        print(f"client: avatar {do.do_id} at ({pos[0]:.2f}, {pos[1]:.2f})")
        time.sleep(0.005)
    rtt = cr.rtt_ms or 0.0
    cr.disconnect(reason="time is up")  # the server logs "left: time is up"
    print(f"client: objects={len(cr.do_id2do)} chat_heard={DistributedChat.heard} rtt_ms={rtt:.1f}")


if __name__ == "__main__":
    main()
