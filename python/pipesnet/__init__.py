"""pipesnet: Panda3D-style distributed objects over the pipes Rust runtime.

Subclass :class:`DistributedObject` (client views), :class:`DistributedObjectOV`
(owner views) and :class:`DistributedObjectAI` (server side); drive a
:class:`ServerRepository` or :class:`ClientRepository` with ``poll()`` once per frame.
``DistributedObject["DistributedAvatarFields"]`` (an alias from ``dcc build --python``)
lets type checkers reject misspelled field names; see :mod:`pipesnet.objects`.
"""

from ._native import MemoryNetwork, PipesError, Schema
from .objects import DistributedObject, DistributedObjectAI, DistributedObjectBase, DistributedObjectOV
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
]
