"""Quick-start server in Python: an avatar per client in zone 1, chat relayed to all.

    python examples/python/server.py [--port 27015] [--seconds 30]
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

from game import DistributedAvatarAI, DistributedChatAI  # noqa: E402
from pipesnet import ServerRepository  # noqa: E402

DC = os.path.join(os.path.dirname(__file__), "..", "..", "schemas", "example.dc")


class Server(ServerRepository):
    def handle_client_connected(self, client: int) -> None:
        avatar = DistributedAvatarAI(self)
        self.generate_object(avatar, 1, owner=client)
        DistributedChatAI.avatars[client] = avatar.do_id
        print(f"server: client {client} joined, avatar {avatar.do_id}")

    def handle_client_disconnected(self, client: int, reason: str) -> None:
        DistributedChatAI.avatars.pop(client, None)
        print(f"server: client {client} {reason}")  # e.g. "left: time is up"


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--port", type=int, default=27015)
    args.add_argument("--seconds", type=float, default=float("inf"))
    opts = args.parse_args()
    server = Server([DC], port=opts.port)
    server.generate_object(DistributedChatAI(server), 1)
    print(f"server: listening on port {server.port}", flush=True)
    start = time.monotonic()
    while time.monotonic() - start < opts.seconds:
        server.poll()
        time.sleep(0.005)
    print("server: stopping")


if __name__ == "__main__":
    main()
