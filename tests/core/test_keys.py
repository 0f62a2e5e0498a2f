"""`continuum keys`: add, activate, rotate (interrupted and resumed), retire."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from continuum.core.keyring import keyring, reset_keyring
from continuum.survivors.models import Survivor
from tests.personas import World, add_survivors

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_keyring(settings: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A key ring file of the test's own, starting as a copy of the current one."""
    path = tmp_path / "keyring.json"
    path.write_text(keyring().to_json())
    settings.CONTINUUM_KEYRING_FILE = path  # type: ignore[attr-defined]
    reset_keyring()
    yield path
    reset_keyring()


def _keys(*args: str) -> str:
    out = StringIO()
    call_command("keys", *args, stdout=out)
    return out.getvalue()


def _raw_prefixes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT legal_given_name, preferred_name, legal_family_name FROM survivors_survivor"
        )
        return {value.split(":")[1] for row in cursor.fetchall() for value in row}


def _everyone_reads(world: World) -> list[str]:
    return sorted(s.preferred_name for s in Survivor.objects.all())


def test_add_activate_rotate_retire(world: World) -> None:
    add_survivors(world, 4)
    before = _everyone_reads(world)
    old = keyring().active_id
    out = _keys("add")
    new = keyring().keys.keys() - {old}
    (new_id,) = new
    assert f"Added key {new_id}" in out
    assert keyring().active_id == old  # added, not yet used
    _keys("activate", new_id)
    assert keyring().active_id == new_id
    assert _raw_prefixes() == {old}
    out = _keys("rotate", "--batch-size", "3")
    assert f"Every value is sealed with {new_id}" in out
    assert _raw_prefixes() == {new_id}
    assert _everyone_reads(world) == before
    with pytest.raises(CommandError, match="active key"):
        _keys("retire", new_id)
    _keys("retire", old)
    assert set(keyring().keys) == {new_id}
    assert _everyone_reads(world) == before
    assert f"{new_id}: " in _keys("status")


def test_rotation_interrupted_half_way_then_resumed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_survivors(world, 6)
    before = _everyone_reads(world)
    old = keyring().active_id
    _keys("add")
    (new_id,) = keyring().keys.keys() - {old}
    _keys("activate", new_id)

    from continuum.core.management.commands.keys import Command

    real_reseal = Command._reseal
    calls = {"n": 0}

    def reseal_then_stop(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # Ctrl+C in the middle of the third batch
        return real_reseal(self, *args, **kwargs)

    monkeypatch.setattr(Command, "_reseal", reseal_then_stop)
    with pytest.raises(CommandError, match="run the command again"):
        _keys("rotate", "--batch-size", "2")
    assert _raw_prefixes() == {old, new_id}  # half and half...
    assert _everyone_reads(world) == before  # ...and every value still opens
    with pytest.raises(CommandError, match="still sealed"):
        _keys("retire", old)

    monkeypatch.setattr(Command, "_reseal", real_reseal)
    _keys("rotate", "--batch-size", "2")
    assert _raw_prefixes() == {new_id}
    assert _everyone_reads(world) == before


def test_a_value_changed_during_rotation_is_not_overwritten(world: World) -> None:
    """Rotation replaces a value only if it is still the one it read."""
    from continuum.core.management.commands.keys import Command
    from continuum.survivors.actions import SurvivorDetails, update_survivor

    old = keyring().active_id
    _keys("add")
    (new_id,) = keyring().keys.keys() - {old}
    _keys("activate", new_id)
    stale = list(Survivor.objects.values_list("pk", "preferred_name"))
    update_survivor(
        actor=world.actor("casey"),
        survivor=world.survivor,
        details=SurvivorDetails(preferred_name="Anita"),
        expected_version=world.survivor.version,
    )
    field = Survivor._meta.get_field("preferred_name")
    changed = Command()._reseal(keyring(), Survivor, field, stale)  # type: ignore[arg-type]
    assert changed == 0
    assert Survivor.objects.get(pk=world.survivor.pk).preferred_name == "Anita"


def test_bad_commands(world: World) -> None:
    with pytest.raises(CommandError, match="no key"):
        _keys("activate", "nope")
    with pytest.raises(CommandError, match="no key"):
        _keys("retire", "nope")
    with pytest.raises(CommandError, match="at least 1"):
        _keys("rotate", "--batch-size", "0")


def test_a_ring_from_the_environment_is_changed_in_the_secret_store(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTINUUM_KEYRING", keyring().to_json())
    reset_keyring()
    with pytest.raises(CommandError, match="secret store"):
        _keys("add")
