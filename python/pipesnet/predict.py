"""Client-side prediction of an owned object, on the runtime's predictor."""

from __future__ import annotations

from typing import Optional

from ._native import Predictor as _NativePredictor
from .repository import CommandAck


class Predictor(_NativePredictor):
    """Predicts an owned object's state (1 to 3 floats) from its input commands.

    ``Predictor(state, dt, step)`` with ``step(state, command, dt) -> state``, the pure
    function the server applies to each command (``dt``: the server's tick interval).
    Each frame: ``seq = cr.send_command(do, "input", args)`` then
    ``pred.apply(seq, args)``; when ``cr.command_ack(do)`` is newer,
    ``pred.reconcile_ack(ack, "setState")``; draw ``pred.visible()``. Corrections glide
    over ``smoothing`` seconds (0.1) unless longer than ``snap_distance`` (2.0).
    """

    def reconcile_ack(self, ack: Optional[CommandAck], field: str, now: Optional[float] = None) -> Optional[float]:
        """Reconciles with a :class:`CommandAck`, taking the state from its
        ``predicted`` field ``field``; ``None`` when there is nothing to reconcile or
        no misprediction, else the correction distance."""
        if ack is None or field not in ack.state:
            return None
        return self.reconcile(ack.tick, ack.last_applied, ack.state[field], now)


__all__ = ["Predictor"]
