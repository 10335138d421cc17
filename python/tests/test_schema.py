"""Packing and unpacking through the loaded schema; errors carry the reason text."""

import os

import pytest

from pipesnet import MemoryNetwork, PipesError, Schema
from pipesnet._native import Server

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "schemas", "example.dc")


def test_pack_unpack_round_trip_with_struct_divisor_and_modulus() -> None:
    s = Schema([EXAMPLE])
    assert s.hash == 0x00D6BE35  # Panda's DCFile hash of schemas/example.dc
    data = s.pack("DistributedAvatar", "setColor", [[1, 2, 3]])
    assert data == bytes([1, 2, 3])
    assert s.unpack("DistributedAvatar", "setColor", data) == [[1, 2, 3]]
    pos = s.pack("DistributedAvatar", "setPos", [1.5, -2.25, 0.0])
    assert s.unpack("DistributedAvatar", "setPos", pos) == [1.5, -2.25, 0.0]
    h = s.pack("DistributedAvatar", "setH", [370.0])
    assert s.unpack("DistributedAvatar", "setH", h) == [pytest.approx(10.0)]
    assert s.imports() == [("game", ["DistributedChat/AI", "DistributedAvatar/AI/OV"])]


def test_hostile_values_raise() -> None:
    s = Schema([EXAMPLE])
    with pytest.raises(PipesError):
        s.pack("DistributedAvatar", "setName", ["x" * 40])  # string(1-32)
    with pytest.raises(PipesError):
        s.pack("DistributedAvatar", "emote", [16])  # uint8(0-15)
    with pytest.raises(PipesError):
        s.pack("DistributedAvatar", "emote", [2**200])
    nested: list[object] = []
    for _ in range(200):
        nested = [nested]
    with pytest.raises(PipesError, match="nested too deeply"):
        s.pack("DistributedAvatar", "emote", nested)
    with pytest.raises(PipesError):
        s.unpack("DistributedAvatar", "setPos", b"\x01\x02")
    with pytest.raises(PipesError):
        s.unpack("DistributedAvatar", "setName", b"\x05\x00ab")
    with pytest.raises(PipesError):
        s.pack("NoSuchClass", "setPos", [])


def test_server_errors_carry_the_runtime_text() -> None:
    server = Server(Schema([EXAMPLE]), memory=MemoryNetwork())
    with pytest.raises(PipesError, match="no class"):
        server.generate("Nope", 1)
    with pytest.raises(PipesError, match="42"):
        server.generate("DistributedAvatar", 1, owner=42)
    do_id = server.generate("DistributedAvatar", 1)
    assert server.get_field(do_id, "setName") == ["Toon"]
    with pytest.raises(PipesError, match="setName"):
        server.send(do_id, "setName", ["state fields are set, not sent"])
