"""Server and client repositories: poll the native core, drive Python objects."""

from __future__ import annotations

import importlib
from types import FunctionType
from typing import Any, Callable, Mapping, NamedTuple, Optional, Sequence, Union

from ._native import Client, MemoryNetwork, PipesError, Schema, Server
from .objects import ALIVE, DELETED, DISABLED, GENERATED, DistributedObject, DistributedObjectAI, DistributedObjectBase


_UNSEEN = object()


Settings = Mapping[str, Union[str, int, float, bool]]
"""pipes settings by name, as in a config file: ``{"pipes-maxupdaterate": 30}``."""


class GrantedRates(NamedTuple):
    """The rates a server granted a client, after clamping to its limits."""

    update_rate: int
    """Snapshots per second."""
    cmd_rate: int
    """Messages per second the server accepts from the client."""
    rate: int
    """Snapshot bytes per second (``pipes-rate``, clamped to ``pipes-max-rate``)."""


class Command(NamedTuple):
    """One input command as the server applies it (see :meth:`ServerRepository.poll`)."""

    client: int
    """The sender (the object's owner)."""
    do_id: int
    """The commanded object."""
    field: str
    """The ``command`` field."""
    seq: int
    """Its number in the object's stream (1, 2, ...)."""
    tick: int
    """The server tick it is applied in."""
    args: list[Any]
    """The field's arguments."""
    view_time: int
    """Server time (microseconds) of the world as the client saw it when it acted."""


class CommandAck(NamedTuple):
    """The server's newest acknowledgement of an object's commands."""

    tick: int
    """The server tick the state belongs to."""
    last_applied: int
    """The last command the server applied (0: none yet)."""
    state: dict[str, list[Any]]
    """The object's ``predicted`` fields at that tick: ``{field: [values]}``."""


class DisconnectReason(str):
    """Why a client is gone, as :meth:`ServerRepository.handle_client_disconnected`
    sees it: a ``str`` (``"left"``, ``"left: code 3: dinner"``, ``"transport lost"``,
    ``"ejected: ..."``) that also carries what a leaving client said: ``code`` and
    ``text`` (from ``ClientRepository.disconnect(reason=..., code=...)``; ``0`` and
    ``""`` when it gave none or did not leave by itself)."""

    code: int
    text: str

    def __new__(cls, description: str, code: int = 0, text: str = "") -> DisconnectReason:
        self = super().__new__(cls, description)
        self.code = code
        self.text = text
        return self

    @property
    def left(self) -> bool:
        """Whether the client said goodbye (rather than being lost or ejected)."""
        return self.startswith("left")


def resolve_classes(schema: Schema, suffix: str) -> dict[str, type]:
    """Classes for the schema's dclasses from its import lines, as Panda resolves them.

    ``from game.objects import DistributedAvatar/AI`` imports ``DistributedAvatarAI`` for
    the ``AI`` suffix and ``DistributedAvatar`` for no suffix. A dclass ``D`` takes
    ``D + suffix`` if imported, else ``D``; dclasses without a class are left out.
    """
    symbols: dict[str, Any] = {}
    for module_spec, names in schema.imports():
        module_name, *module_suffixes = module_spec.split("/")
        if suffix and suffix in module_suffixes:
            module_name += suffix
        module = importlib.import_module(module_name)
        if not names:
            continue
        for spec in names:
            name, *suffixes = spec.split("/")
            wanted = [name] + ([name + suffix] if suffix in suffixes else [])
            for w in wanted:
                if hasattr(module, w):
                    symbols[w] = getattr(module, w)
    classes: dict[str, type] = {}
    for dclass in schema.class_names():
        found = symbols.get(dclass + suffix)
        if found is None and suffix != "OV":
            found = symbols.get(dclass)
        if isinstance(found, type):
            classes[dclass] = found
    return classes


def raise_collected(errors: list[Exception]) -> None:
    """Raises the first of the exceptions hooks and handlers raised during one ``poll``.

    ``poll`` delivers every event of the frame even when a handler raises, then raises
    the first exception; the others (if any) are named in a note on it.
    """
    first = errors[0]
    if len(errors) > 1 and hasattr(first, "add_note"):
        more = ", ".join(repr(e) for e in errors[1:6])
        first.add_note(f"{len(errors) - 1} more handler error(s) in this poll: {more}")
    raise first


def _schema(dc_files: Sequence[str] | Schema) -> Schema:
    return dc_files if isinstance(dc_files, Schema) else Schema(list(dc_files))


class ServerRepository:
    """The authoritative side: creates objects, receives client messages."""

    def __init__(
        self,
        dc_files: Sequence[str] | Schema,
        port: int = 27015,
        host: str = "0.0.0.0",
        memory: Optional[MemoryNetwork] = None,
        password: str = "",
        auth: Optional[Callable[[int, bytes], Union[None, bool, str]]] = None,
        config: Optional[Settings] = None,
    ) -> None:
        """Listens for clients.

        ``config`` sets pipes settings by name (``{"pipes-maxupdaterate": 30,
        "pipes-max-rate": 65536}``); an unknown name or a bad value raises
        :class:`PipesError`.

        Clients must send ``password`` (empty: none). ``auth``, when given, is called as
        ``auth(connection, token)`` with each client's token (bytes) once its password
        passed; it returns ``None``/``True`` to accept, or a reason string (or
        ``False``) to refuse: the client sees the reason in ``disconnect_reason`` and
        :meth:`handle_client_rejected` runs here.
        """
        self.dc = _schema(dc_files)
        self.server = Server(self.dc, port=port, host=host, memory=memory, password=password, auth=auth, config=config)
        self.classes = resolve_classes(self.dc, "AI")
        self.do_id2do: dict[int, DistributedObjectAI] = {}
        self.client_sender: Optional[int] = None
        self.current_command: Optional[Command] = None

    @property
    def port(self) -> Optional[int]:
        """The UDP port listened on."""
        return self.server.port

    def handle_client_connected(self, client: int) -> None:
        """Override: a client finished its handshake."""

    def handle_client_disconnected(self, client: int, reason: str) -> None:
        """Override: a client left (objects it owned were deleted). ``reason`` is a
        :class:`DisconnectReason`: ``"left"`` when the client called ``disconnect()``,
        ``"left: <its reason>"`` when it gave one (``reason.code``, ``reason.text``),
        ``"transport lost"``, or ``"ejected: ..."``."""

    def handle_client_rejected(self, connection: int, reason: str) -> None:
        """Override: a connection was refused (password, auth hook, full, version)."""

    def poll(self) -> None:
        """One frame: network in, events to objects and hooks, network out.

        Then the input commands released this tick go, in order and once each, to the
        object's method named like the ``command`` field, with
        :attr:`current_command` (a :class:`Command`: sender, number, tick,
        ``view_time``) set during the call. Apply them (step the object, ``set_field``
        its ``predicted`` field) before the next ``poll``.

        If a hook or handler raises, the frame's other events are still delivered;
        then ``poll`` raises the first exception (see :func:`raise_collected`).
        """
        errors: list[Exception] = []
        for event in self.server.poll():
            try:
                self._server_event(event)
            except Exception as e:  # delivered on: raised after the last event
                errors.append(e)
        for raw in self.server.poll_commands():
            try:
                self._command(Command(*raw))
            except Exception as e:  # delivered on: raised after the last command
                errors.append(e)
        if errors:
            raise_collected(errors)

    def _command(self, command: Command) -> None:
        handler = getattr(self.do_id2do.get(command.do_id), command.field, None)
        if handler is None:
            return
        self.current_command = command
        try:
            handler(*command.args)
        finally:
            self.current_command = None

    def _server_event(self, event: tuple[Any, ...]) -> None:
        kind = event[0]
        if kind == "connected":
            self.handle_client_connected(event[1])
        elif kind == "disconnected":
            for owned in [d for d in self.do_id2do.values() if d.owner == event[1]]:
                if self.server.zone_of(owned.do_id) is None:
                    self._forget(owned)
            self.handle_client_disconnected(event[1], DisconnectReason(event[2], event[3], event[4]))
        elif kind == "rejected":
            self.handle_client_rejected(event[1], event[2])
        elif kind == "message":
            _, client, do_id, field, args = event
            do = self.do_id2do.get(do_id)
            handler = getattr(do, field, None)
            # Events come in a batch: skip messages for objects deleted since they arrived.
            if handler is not None and self.server.zone_of(do_id) is not None:
                self.client_sender = client
                try:
                    handler(*args)
                finally:
                    self.client_sender = None

    def _dclass_name(self, do: DistributedObjectAI) -> str:
        if do.dclass_name:
            return do.dclass_name
        for name, cls in self.classes.items():
            if type(do) is cls:
                return name
        name = type(do).__name__
        return name[:-2] if name.endswith("AI") else name

    def generate_object(self, do: DistributedObjectAI, zone_id: int, owner: Optional[int] = None) -> None:
        """Puts ``do`` in the world in ``zone_id``: ``generate``, then ``announce_generate``."""
        do.dclass_name = self._dclass_name(do)
        do.do_id = self.server.generate(do.dclass_name, zone_id, owner)
        do.zone_id = zone_id
        do.owner = owner
        self.do_id2do[do.do_id] = do
        do.do_state = GENERATED
        do.generate()
        do.do_state = ALIVE
        do.announce_generate()

    def delete_object(self, do: DistributedObjectAI) -> None:
        """Removes ``do`` from the world; clients see it leave."""
        self.server.delete(do.do_id)
        self._forget(do)

    def _forget(self, do: DistributedObjectAI) -> None:
        self.do_id2do.pop(do.do_id, None)
        do.do_state = DELETED
        do.delete()

    def set_field(self, do: DistributedObjectAI, field: str, args: Sequence[Any]) -> None:
        """Sets a replicated field of ``do``."""
        self.server.set_field(do.do_id, field, list(args))

    def send_update(
        self,
        do: DistributedObjectAI,
        field: str,
        args: Sequence[Any],
        client: Optional[int] = None,
        exclude_client: Optional[int] = None,
    ) -> None:
        """Sends a message field of ``do`` (to ``client``, or to all who see it)."""
        self.server.send(do.do_id, field, list(args), client=client, exclude=exclude_client)

    def record_history(self, dclass: str, field: str, seconds: float = 1.0, max_interp: float = 0.5) -> None:
        """Keeps ``seconds`` of history of a numeric state field (1-4 ``float64``, or of
        one integer type) of every ``dclass`` object, for :meth:`rewind`."""
        self.server.record_history(dclass, field, seconds, max_interp)

    def rewind(self, do: DistributedObjectAI, field: str, view_time: int) -> Optional[tuple[float, ...]]:
        """Lag compensation: ``do``'s recorded ``field`` as the client saw it when it
        acted (``view_time`` of :attr:`current_command`), interpolated between ticks;
        ``None`` when the field is not recorded."""
        value = self.server.rewind(do.do_id, field, view_time)
        return None if value is None else tuple(value)

    def add_explicit_interest(self, client: int, zones: Sequence[int]) -> None:
        """Gives a client interest in zones from the server's side."""
        self.server.add_interest(client, list(zones))

    def close_client_connection(self, client: int, reason: str = "closed by server") -> None:
        """Disconnects a client with a reason."""
        self.server.kick(client, reason)


class ClientRepository:
    """A client: connects, keeps Python objects in step with the server's."""

    def __init__(
        self,
        dc_files: Sequence[str] | Schema,
        host: str = "127.0.0.1",
        port: int = 27015,
        memory: Optional[MemoryNetwork] = None,
        password: str = "",
        token: bytes = b"",
        config: Optional[Settings] = None,
    ) -> None:
        """Connects; ``password`` goes in the hello, ``token`` answers the server's
        auth hook. A refusal arrives as ``handle_disconnected`` with the reason.
        ``config`` sets pipes settings by name (``{"pipes-updaterate": 30,
        "pipes-rate": 65536}``); an unknown name or a bad value raises
        :class:`PipesError`."""
        self.dc = _schema(dc_files)
        self.client = Client(
            self.dc, host=host, port=port, memory=memory, password=password, token=token, config=config
        )
        self.classes = resolve_classes(self.dc, "")
        self.owner_classes = resolve_classes(self.dc, "OV")
        self.do_id2do: dict[int, DistributedObject] = {}
        self.disconnect_reason: Optional[str] = None
        self._interest_callbacks: dict[int, Callable[[], None]] = {}
        self._handler_cache: dict[tuple[type, str], Any] = {}
        self._errors: list[Exception] = []
        # Bound once: poll() runs every frame.
        self._on_event = self._dispatch
        self._event_handlers: dict[str, Callable[[tuple[Any, ...]], None]] = {
            "generate": self._on_generate,
            "alive": self._on_alive,
            "changed": self._on_changed,
            "message": self._on_message,
            "disable": self._on_disable,
            "delete": self._on_delete,
            "interest_complete": self._on_interest_complete,
            "connected": self._on_connected,
            "disconnected": self._on_disconnected,
        }

    @property
    def connected(self) -> bool:
        """Whether the session is up."""
        return self.client.connected

    @property
    def client_id(self) -> Optional[int]:
        """Our id on the server, once connected."""
        return self.client.client_id

    @property
    def rtt_ms(self) -> Optional[float]:
        """Round-trip time in milliseconds, once measured."""
        return self.client.rtt_ms

    def net_stats(self) -> dict[str, int]:
        """Traffic counters."""
        return self.client.net_stats()

    def handle_connected(self) -> None:
        """Override: the handshake finished."""

    def handle_disconnected(self, reason: str) -> None:
        """Override: the session ended (``reason`` says why)."""

    def poll(self) -> None:
        """One frame: snapshots applied, then lifecycle hooks and field handlers in order.

        If a hook or handler raises, the rest of the frame's events and handlers are
        still delivered; then ``poll`` raises the first exception (see
        :func:`raise_collected`).
        """
        # Field changes go from Rust straight to the objects' handlers (no event
        # tuples, no Python loop per field); every other event comes to _dispatch.
        errors = self._errors
        self.client.poll_apply(self.do_id2do, self._on_event, errors)
        if errors:
            self._errors = []
            raise_collected(errors)

    def _dispatch(self, event: tuple[Any, ...]) -> None:
        self._event_handlers[event[0]](event)

    def _on_alive(self, event: tuple[Any, ...]) -> None:
        do = self.do_id2do.get(event[1])
        if do is not None:
            do.do_state = ALIVE
            do.announce_generate()

    def _on_changed(self, event: tuple[Any, ...]) -> None:
        do = self.do_id2do.get(event[1])
        if do is not None:
            if event[3] is not None:
                do.zone_id = event[3]
            self._apply(do, event[2])

    def _on_message(self, event: tuple[Any, ...]) -> None:
        do = self.do_id2do.get(event[1])
        if do is not None:
            self._apply(do, ((event[2], event[3]),))

    def _on_disable(self, event: tuple[Any, ...]) -> None:
        do = self.do_id2do.get(event[1])
        if do is not None:
            do.do_state = DISABLED
            do.disable()

    def _on_delete(self, event: tuple[Any, ...]) -> None:
        do = self.do_id2do.pop(event[1], None)
        if do is not None:
            do.do_state = DELETED
            do.delete()

    def _on_interest_complete(self, event: tuple[Any, ...]) -> None:
        callback = self._interest_callbacks.pop(event[1], None)
        if callback is not None:
            callback()

    def _on_connected(self, event: tuple[Any, ...]) -> None:
        self.handle_connected()

    def _on_disconnected(self, event: tuple[Any, ...]) -> None:
        self.disconnect_reason = event[1]
        self.handle_disconnected(event[1])

    def _on_generate(self, event: tuple[Any, ...]) -> None:
        _, do_id, dclass, owned, zone, fields = event
        cls = self.owner_classes.get(dclass) if owned else None
        if cls is None:
            cls = self.classes.get(dclass)
        if cls is None:
            return
        do: DistributedObject = cls(self)
        do.do_id, do.zone_id, do.dclass_name, do.is_owner = do_id, zone, dclass, owned
        self.do_id2do[do_id] = do
        try:
            do.generate()
        except Exception as e:  # the object still gets its fields
            self._errors.append(e)
        do.do_state = GENERATED
        self._apply(do, fields)

    def _apply(self, do: DistributedObjectBase, fields: Sequence[tuple[str, tuple[Any, ...]]]) -> None:
        # Handlers are looked up once per (class, field): a plain function defined on
        # the class is called directly; anything else goes through getattr each time.
        cache = self._handler_cache
        cls = type(do)
        for name, args in fields:
            key = (cls, name)
            fn = cache.get(key, _UNSEEN)
            if fn is _UNSEEN:
                found = getattr(cls, name, None)
                fn = cache[key] = found if isinstance(found, FunctionType) else None
            try:
                if fn is not None:
                    fn(do, *args)
                else:
                    handler = getattr(do, name, None)
                    if handler is not None:
                        handler(*args)
            except Exception as e:  # the object's other fields still arrive
                self._errors.append(e)

    def send_update(self, do: DistributedObject, field: str, args: Sequence[Any]) -> None:
        """Sends a field message of ``do`` to the server."""
        self.client.send(do.do_id, field, list(args))

    def send_command(self, do: DistributedObject, field: str, args: Sequence[Any]) -> int:
        """Queues an input command of ``do`` (owned; a ``command`` field), checked like
        :meth:`send_update`; returns its number for :meth:`pipesnet.Predictor.apply`.
        Make one per server tick; each packet repeats the ones not acknowledged yet."""
        return self.client.send_command(do.do_id, field, list(args))

    def command_ack(self, do: DistributedObject) -> Optional[CommandAck]:
        """The server's newest acknowledgement of ``do``'s commands (``None`` before
        the first): pass it to :meth:`pipesnet.Predictor.reconcile_ack`."""
        ack = self.client.command_ack(do.do_id)
        return None if ack is None else CommandAck(*ack)

    def set_command_redundancy(self, commands: int) -> None:
        """How many unacknowledged commands each packet repeats (1 to 32, default 16)."""
        self.client.set_command_redundancy(commands)

    def set_interest(self, zones: Sequence[int], callback: Optional[Callable[[], None]] = None) -> int:
        """Replaces the interest set; ``callback`` runs when every object has arrived."""
        return self._interest(self.client.set_interest(list(zones)), callback)

    def add_interest(self, zones: Sequence[int], callback: Optional[Callable[[], None]] = None) -> int:
        """Adds zones to the interest set."""
        return self._interest(self.client.add_interest(list(zones)), callback)

    def remove_interest(self, zones: Sequence[int], callback: Optional[Callable[[], None]] = None) -> int:
        """Removes zones from the interest set."""
        return self._interest(self.client.remove_interest(list(zones)), callback)

    def _interest(self, handle: int, callback: Optional[Callable[[], None]]) -> int:
        if callback is not None:
            self._interest_callbacks[handle] = callback
        return handle

    def interpolate(self, dclass: str, field: str) -> None:
        """Smooths a state field of every object of ``dclass``: 1-4 float64 values, or
        1-4 integers of one type (divisors applied: ``int16/100``)."""
        self.client.interpolate(dclass, field)

    def interpolated(self, do: DistributedObject, field: str) -> Optional[tuple[float, ...]]:
        """The smoothed value of ``do``'s field this frame."""
        value = self.client.interpolated(do.do_id, field)
        return None if value is None else tuple(value)

    def interpolated_all(self, field: str) -> dict[int, tuple[float, ...]]:
        """Every object's smoothed value of ``field`` this frame, in one native call:
        ``{do_id: (x, y, z)}`` (objects without samples yet are left out)."""
        return self.client.interpolated_all(field)

    def interpolated_changed(self, field: str) -> dict[int, tuple[float, ...]]:
        """Like :meth:`interpolated_all`, but only the objects whose smoothed value of
        ``field`` changed since the previous ``interpolated_changed(field)`` call (all of
        them on the first call, and objects that arrived since): the nodes a frame must
        move. A still object costs nothing in Python.
        """
        return self.client.interpolated_changed(field)

    def set_update_rate(self, rate: int, cmd_rate: int = 100) -> None:
        """Requests snapshots per second."""
        self.client.set_rates(rate, cmd_rate)

    def set_rates(self, update_rate: int, cmd_rate: int) -> None:
        """Requests snapshots per second and announces commands per second (0-255)."""
        self.client.set_rates(update_rate, cmd_rate)

    @property
    def rates(self) -> tuple[int, int]:
        """``(update_rate, cmd_rate)`` in force: what :meth:`set_rates` asked until the
        server answers, then what it granted."""
        return self.client.rates

    @property
    def granted_rates(self) -> Optional[GrantedRates]:
        """What the server granted last (at the handshake, then answering each
        :meth:`set_rates`), clamped to its maxima and minima; ``None`` before the
        handshake finishes."""
        granted = self.client.granted_rates
        return None if granted is None else GrantedRates(*granted)

    def disconnect(self, reason: str = "", code: int = 0) -> None:
        """Leaves cleanly: the server sees ``"left"`` at once, with ``reason`` (at most
        256 bytes of UTF-8) and ``code`` (0-65535, game-defined) when given. A reason
        too long raises :class:`PipesError` and the client stays connected."""
        self.client.disconnect(reason, code)


__all__ = [
    "ClientRepository",
    "Command",
    "CommandAck",
    "DisconnectReason",
    "GrantedRates",
    "PipesError",
    "ServerRepository",
    "Settings",
    "raise_collected",
    "resolve_classes",
]
