"""pipesnet: Panda3D-style distributed objects over the pipes Rust runtime.

Subclass :class:`DistributedObject` (client views), :class:`DistributedObjectOV`
(owner views) and :class:`DistributedObjectAI` (server side); drive a
:class:`ServerRepository` or :class:`ClientRepository` with ``poll()`` once per frame.
With the stubs of ``dcc build --python`` as first bases while type checking (and
:data:`StubOnly` at run time), mypy checks handlers and field names; see
:mod:`pipesnet.objects`.
"""

from ._native import MemoryNetwork, PipesError, Schema
from .objects import DistributedObject, DistributedObjectAI, DistributedObjectBase, DistributedObjectOV, StubOnly
from .predict import Predictor
from .repository import (
    ClientRepository,
    Command,
    CommandAck,
    DisconnectReason,
    GrantedRates,
    ServerRepository,
)

__all__ = [
    "ClientRepository",
    "Command",
    "CommandAck",
    "DisconnectReason",
    "DistributedObject",
    "DistributedObjectAI",
    "DistributedObjectBase",
    "DistributedObjectOV",
    "GrantedRates",
    "MemoryNetwork",
    "PipesError",
    "Predictor",
    "Schema",
    "ServerRepository",
    "StubOnly",
]
