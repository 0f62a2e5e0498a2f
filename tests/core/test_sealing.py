"""Sealed fields (continuum.core.encrypted) and the key ring (continuum.core.keyring).

Looked at the way someone with the database would look: raw SQL past the ORM. A sealed value
opens only in its own row and column, with a key of the ring; plain text never reaches the
database, neither as a value nor as a filter.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connection, models, transaction

from continuum.core.encrypted import EncryptedField, Sealed, encrypted_fields
from continuum.core.keyring import DecryptionError, KeyRing, keyring, new_key, reset_keyring
from continuum.core.models import save_if_unchanged
from continuum.survivors.actions import SurvivorDetails, create_survivor
from continuum.survivors.models import Survivor, SurvivorAlias
from tests.personas import World

DETAILS = SurvivorDetails(
    preferred_name="Marisol",
    legal_given_name="María José",
    legal_family_name="Pérez Quintana",
    date_of_birth=date(2009, 11, 23),
    safe_phone="+1 555 0142 777",
    safe_times="weekdays after four",
    code_word="sunflower",
    preferences="Please keep the blinds open",
    priorities="Back to the art class on Fridays",
    aliases=(("Mari Quintana", "nickname"), ("La Flaca", "street_name")),
)
SEALED_VALUES = {
    "preferred_name": "Marisol",
    "legal_given_name": "María José",
    "legal_family_name": "Pérez Quintana",
    "date_of_birth": date(2009, 11, 23),
    "safe_phone": "+1 555 0142 777",
    "safe_times": "weekdays after four",
    "code_word": "sunflower",
    "preferences": "Please keep the blinds open",
    "priorities": "Back to the art class on Fridays",
}


# --- raw SQL, past the ORM -------------------------------------------------------------------


def _where_pk(model: type[models.Model], pk: Any) -> tuple[str, str, Any]:
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    return table, pk_column, model._meta.pk.get_db_prep_value(pk, connection)


def raw_get(model: type[models.Model], column: str, pk: Any) -> str | None:
    table, pk_column, pk_value = _where_pk(model, pk)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE {pk_column} = %s",
            [pk_value],
        )
        row = cursor.fetchone()
    assert row is not None
    return row[0]


def raw_set(model: type[models.Model], column: str, pk: Any, value: str | None) -> None:
    table, pk_column, pk_value = _where_pk(model, pk)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {connection.ops.quote_name(column)} = %s WHERE {pk_column} = %s",
            [value, pk_value],
        )
        assert cursor.rowcount == 1


def fresh(survivor: Survivor) -> Survivor:
    return Survivor.objects.get(pk=survivor.pk)


def field(name: str) -> EncryptedField:
    found = Survivor._meta.get_field(name)
    assert isinstance(found, EncryptedField)
    return found


def flip(text: str, index: int) -> str:
    """`text` with the character at `index` replaced by another base64 character."""
    replacement = "B" if text[index] == "A" else "A"
    return text[:index] + replacement + text[index + 1 :]


@pytest.fixture
def marisol(world: World) -> Survivor:
    return create_survivor(actor=world.actor("casey"), details=DETAILS)


@pytest.fixture
def other(world: World) -> Survivor:
    return create_survivor(
        actor=world.actor("casey"),
        details=SurvivorDetails(preferred_name="Dolores", legal_given_name="Dolores"),
    )


# --- round trip ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sealed_values_round_trip_and_the_columns_hold_no_plaintext(marisol: Survivor) -> None:
    again = fresh(marisol)
    for name, value in SEALED_VALUES.items():
        assert getattr(again, name) == value, name
    assert type(again.date_of_birth) is date
    aliases = SurvivorAlias.objects.filter(survivor=marisol).order_by("position")
    assert [a.name for a in aliases] == ["Mari Quintana", "La Flaca"]

    prefix = f"v1:{keyring().active_id}:"
    plaintexts = [str(v) for v in SEALED_VALUES.values()] + [
        "Mari Quintana",
        "La Flaca",
        "2009-11-23",
        "Quintana",
        "sunflower",
    ]
    raw_columns = [raw_get(Survivor, name, marisol.pk) for name in SEALED_VALUES]
    raw_columns += [raw_get(SurvivorAlias, "name", a.pk) for a in aliases]
    assert len(raw_columns) == 11
    for raw in raw_columns:
        assert raw is not None
        assert raw.startswith(prefix)
        leaked = [p for p in plaintexts if p.casefold() in raw.casefold()]
        assert leaked == []


def test_every_survivor_identity_field_is_sealed() -> None:
    """A guard for the list above: a new sealed field should be added to the checks here."""
    assert {f.name for f in encrypted_fields(Survivor)} == set(SEALED_VALUES)
    assert {f.name for f in encrypted_fields(SurvivorAlias)} == {"name"}


@pytest.mark.django_db
def test_an_empty_name_is_sealed_too_and_reads_back_empty(other: Survivor) -> None:
    # Whether a field was filled in is itself not readable from the column.
    assert raw_get(Survivor, "legal_family_name", other.pk).startswith("v1:")
    assert fresh(other).legal_family_name == ""


# --- associated data: a value opens only in its own row and column ---------------------------


@pytest.mark.django_db
def test_a_value_copied_into_another_row_does_not_open(marisol: Survivor, other: Survivor) -> None:
    raw = raw_get(Survivor, "preferred_name", marisol.pk)
    raw_set(Survivor, "preferred_name", other.pk, raw)
    with pytest.raises(DecryptionError, match="does not open"):
        _ = fresh(other).preferred_name
    assert fresh(marisol).preferred_name == "Marisol"  # the original still opens


@pytest.mark.django_db
def test_a_value_copied_into_another_column_of_its_row_does_not_open(marisol: Survivor) -> None:
    raw = raw_get(Survivor, "preferred_name", marisol.pk)
    raw_set(Survivor, "legal_given_name", marisol.pk, raw)
    again = fresh(marisol)
    with pytest.raises(DecryptionError):
        _ = again.legal_given_name
    assert again.preferred_name == "Marisol"


@pytest.mark.django_db
def test_a_survivor_name_copied_into_an_alias_row_does_not_open(marisol: Survivor) -> None:
    alias = SurvivorAlias.objects.filter(survivor=marisol).first()
    assert alias is not None
    raw_set(SurvivorAlias, "name", alias.pk, raw_get(Survivor, "preferred_name", marisol.pk))
    with pytest.raises(DecryptionError):
        _ = SurvivorAlias.objects.get(pk=alias.pk).name


@pytest.mark.django_db
def test_a_value_written_back_to_its_own_place_still_opens(marisol: Survivor) -> None:
    """The control for the tests above: raw_get/raw_set change nothing by themselves."""
    raw_set(Survivor, "code_word", marisol.pk, raw_get(Survivor, "code_word", marisol.pk))
    assert fresh(marisol).code_word == "sunflower"


# --- tampering and unknown keys --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["nonce", "ciphertext", "tag"])
def test_one_changed_character_does_not_open(marisol: Survivor, where: str) -> None:
    raw = raw_get(Survivor, "safe_phone", marisol.pk)
    body_start = raw.index(":", 3) + 1
    body = raw[body_start:]
    # Base64 of 12 bytes of nonce, then the ciphertext, then 16 bytes of tag. The last
    # character before the padding can carry unused bits, so stay clear of it.
    index = {"nonce": 2, "ciphertext": 18, "tag": len(body.rstrip("=")) - 6}[where]
    raw_set(Survivor, "safe_phone", marisol.pk, raw[:body_start] + flip(body, index))
    with pytest.raises(DecryptionError):
        _ = fresh(marisol).safe_phone


@pytest.mark.django_db
def test_a_changed_key_id_does_not_open(marisol: Survivor) -> None:
    raw = raw_get(Survivor, "code_word", marisol.pk)
    _, key_id, body = raw.split(":", 2)
    raw_set(Survivor, "code_word", marisol.pk, f"v1:{key_id}x:{body}")
    with pytest.raises(DecryptionError, match=f"key {key_id}x is not in the key ring"):
        _ = fresh(marisol).code_word


@pytest.mark.django_db
def test_a_value_that_is_not_sealed_at_all_does_not_open(marisol: Survivor) -> None:
    raw_set(Survivor, "code_word", marisol.pk, "sunflower")
    with pytest.raises(DecryptionError, match="not a sealed value"):
        _ = fresh(marisol).code_word


@pytest.mark.django_db
def test_a_truncated_value_raises_decryption_error(marisol: Survivor) -> None:
    raw = raw_get(Survivor, "code_word", marisol.pk)
    raw_set(Survivor, "code_word", marisol.pk, raw[:-1])
    with pytest.raises(DecryptionError):
        _ = fresh(marisol).code_word


@pytest.mark.django_db
def test_a_value_sealed_with_a_key_not_in_the_ring_names_that_key(marisol: Survivor) -> None:
    assert "outsider" not in keyring().keys
    stranger = KeyRing("outsider", {"outsider": new_key()}, None)
    # Sealed for the right row and column: only the key is wrong.
    sealed = stranger.seal("Mallory", aad=field("preferred_name").aad(marisol.pk))
    assert stranger.open(sealed, aad=field("preferred_name").aad(marisol.pk)) == "Mallory"
    raw_set(Survivor, "preferred_name", marisol.pk, sealed)
    with pytest.raises(DecryptionError, match="key outsider is not in the key ring"):
        _ = fresh(marisol).preferred_name


def test_a_ring_with_the_same_key_id_but_another_key_does_not_open() -> None:
    mine = KeyRing("k1", {"k1": new_key()}, None)
    theirs = KeyRing("k1", {"k1": new_key()}, None)
    sealed = mine.seal("Ana", aad="t.c.1")
    with pytest.raises(DecryptionError):
        theirs.open(sealed, aad="t.c.1")


# --- plain text never reaches the database ---------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lookup",
    [
        {"preferred_name": "x"},
        {"preferred_name__exact": "x"},
        {"preferred_name__in": ["x"]},
        {"date_of_birth": date(2009, 11, 23)},
    ],
)
def test_filtering_on_plain_text_is_refused(lookup: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="takes sealed values only"):
        Survivor.objects.filter(**lookup)
    with pytest.raises(TypeError, match="takes sealed values only"):
        Survivor.objects.exclude(**lookup)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lookup", ["iexact", "contains", "icontains", "startswith", "endswith", "regex", "gt", "lt"]
)
def test_pattern_lookups_on_plain_text_are_refused(lookup: str) -> None:
    # TypeError as for exact/in, or FieldError ("Unsupported lookup") if the fix makes
    # EncryptedField.get_lookup refuse every lookup but exact, in and isnull.
    with pytest.raises((TypeError, FieldError)):
        Survivor.objects.filter(**{f"preferred_name__{lookup}": "Marisol"})


@pytest.mark.django_db
def test_update_with_plain_text_is_refused_and_writes_nothing(marisol: Survivor) -> None:
    before = raw_get(Survivor, "preferred_name", marisol.pk)
    with pytest.raises(TypeError, match="takes sealed values only"), transaction.atomic():
        Survivor.objects.filter(pk=marisol.pk).update(preferred_name="x")
    with pytest.raises(TypeError), transaction.atomic():
        Survivor.objects.filter(pk=marisol.pk).update(date_of_birth=date(2000, 1, 1))
    assert raw_get(Survivor, "preferred_name", marisol.pk) == before


@pytest.mark.django_db
def test_update_with_a_value_sealed_for_the_row_works(marisol: Survivor) -> None:
    sealed = field("preferred_name").seal_for(marisol.pk, "Sol")
    Survivor.objects.filter(pk=marisol.pk).update(preferred_name=sealed)
    assert fresh(marisol).preferred_name == "Sol"


@pytest.mark.django_db
def test_filtering_on_null_still_works(marisol: Survivor, other: Survivor) -> None:
    assert list(Survivor.objects.filter(date_of_birth__isnull=True, pk=other.pk)) == [other]
    assert not Survivor.objects.filter(date_of_birth__isnull=True, pk=marisol.pk).exists()


@pytest.mark.django_db
def test_save_if_unchanged_seals_plain_values_for_the_row(marisol: Survivor) -> None:
    version = marisol.version
    save_if_unchanged(
        marisol,
        expected_version=version,
        fields={"preferred_name": "Marisela", "date_of_birth": date(2009, 12, 1)},
    )
    assert marisol.version == version + 1
    assert marisol.preferred_name == "Marisela"
    for column in ("preferred_name", "date_of_birth"):
        raw = raw_get(Survivor, column, marisol.pk)
        assert raw.startswith(f"v1:{keyring().active_id}:")
        assert "Marisela" not in raw
        assert "2009-12-01" not in raw
    again = fresh(marisol)
    assert again.preferred_name == "Marisela"
    assert again.date_of_birth == date(2009, 12, 1)
    assert again.version == version + 1


@pytest.mark.django_db
def test_save_if_unchanged_can_clear_a_date(marisol: Survivor) -> None:
    save_if_unchanged(marisol, expected_version=marisol.version, fields={"date_of_birth": None})
    assert raw_get(Survivor, "date_of_birth", marisol.pk) is None
    assert fresh(marisol).date_of_birth is None


@pytest.mark.django_db
def test_saving_an_unread_record_keeps_the_sealed_values_as_they_were(marisol: Survivor) -> None:
    before = raw_get(Survivor, "code_word", marisol.pk)
    again = fresh(marisol)
    again.pronouns = "she/her"
    again.save()
    assert raw_get(Survivor, "code_word", marisol.pk) == before
    assert fresh(marisol).code_word == "sunflower"


# --- nonces ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_two_seals_of_the_same_text_differ(marisol: Survivor, world: World) -> None:
    first = field("code_word").seal_for(marisol.pk, "sunflower")
    second = field("code_word").seal_for(marisol.pk, "sunflower")
    assert first != second
    assert field("code_word").open(marisol.pk, first) == "sunflower"
    assert field("code_word").open(marisol.pk, second) == "sunflower"
    # Nor do two people with the same name share a column value.
    twin = create_survivor(actor=world.actor("casey"), details=DETAILS)
    assert raw_get(Survivor, "preferred_name", twin.pk) != raw_get(
        Survivor, "preferred_name", marisol.pk
    )


def test_the_nonce_is_fresh_for_each_seal() -> None:
    ring = KeyRing("k1", {"k1": new_key()}, None)
    nonces = {base64.b64decode(ring.seal("Ana", aad="a").split(":")[2])[:12] for _ in range(50)}
    assert len(nonces) == 50


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("value", [datetime(2009, 11, 23, 10, 30), "2009-11-23", 20091123])
def test_a_date_field_takes_dates_only(marisol: Survivor, value: object) -> None:
    with pytest.raises(TypeError, match="date_of_birth takes a date"):
        field("date_of_birth").seal_for(marisol.pk, value)
    again = fresh(marisol)
    again.date_of_birth = value  # type: ignore[assignment]
    with pytest.raises(TypeError, match="takes a date"), transaction.atomic():
        again.save()
    assert fresh(marisol).date_of_birth == date(2009, 11, 23)


@pytest.mark.django_db
def test_no_date_stays_null(other: Survivor) -> None:
    assert raw_get(Survivor, "date_of_birth", other.pk) is None
    assert fresh(other).date_of_birth is None
    assert other.date_of_birth_token == ""


# --- deferred fields -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_deferred_sealed_field_opens_when_read(marisol: Survivor) -> None:
    only_pk = Survivor.objects.only("pk").get(pk=marisol.pk)
    assert "preferred_name" in only_pk.get_deferred_fields()
    assert only_pk.preferred_name == "Marisol"
    assert only_pk.date_of_birth == date(2009, 11, 23)
    deferred = Survivor.objects.defer("code_word").get(pk=marisol.pk)
    assert deferred.code_word == "sunflower"
    assert deferred.preferred_name == "Marisol"


@pytest.mark.django_db
def test_values_gives_the_sealed_text_not_the_name(marisol: Survivor) -> None:
    (row,) = Survivor.objects.filter(pk=marisol.pk).values("preferred_name")
    assert isinstance(row["preferred_name"], Sealed)
    assert row["preferred_name"].startswith("v1:")


# --- the key ring from the environment -------------------------------------------------------


def _ring_json(active: str, keys: dict[str, bytes]) -> str:
    return json.dumps(
        {"active": active, "keys": {k: base64.b64encode(v).decode() for k, v in keys.items()}}
    )


@pytest.fixture
def ring_from_env() -> Iterator[Callable[[str], None]]:
    """Set CONTINUUM_KEYRING for one test; the ring read from the file comes back after."""
    with pytest.MonkeyPatch.context() as patch:

        def use(raw: str) -> None:
            patch.setenv("CONTINUUM_KEYRING", raw)
            reset_keyring()

        reset_keyring()
        yield use
    reset_keyring()


@pytest.mark.django_db
def test_the_ring_comes_from_continuum_keyring(
    world: World, ring_from_env: Callable[[str], None]
) -> None:
    file_key_id = keyring().active_id
    ring_from_env(_ring_json("k9", {"k9": new_key()}))
    assert keyring().active_id == "k9"
    assert keyring().source is None
    made = create_survivor(actor=world.actor("casey"), details=DETAILS)
    assert raw_get(Survivor, "preferred_name", made.pk).startswith("v1:k9:")
    assert fresh(made).preferred_name == "Marisol"
    if file_key_id != "k9":
        # The ring in the environment replaces the file: values sealed before do not open.
        with pytest.raises(DecryptionError, match=f"key {file_key_id} is not in the key ring"):
            _ = fresh(world.survivor).preferred_name


def test_without_the_environment_the_ring_is_read_from_its_file() -> None:
    # Whatever ran before in this process (the test above, in file order) put it back.
    assert "CONTINUUM_KEYRING" not in os.environ
    assert keyring().source is not None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "not valid JSON"),
        ('{"active": "k1"}', "not valid JSON"),
        ('{"active": "k1", "keys": {"k1": "not base64!"}}', "not valid JSON"),
        (_ring_json("k1", {"k1": b"\x01" * 16}), "'k1' .* must be a short id and 32 bytes"),
        (_ring_json("k1", {"k1": b"\x01" * 32, "k2": b"\x02" * 31}), "'k2' .* 32 bytes"),
        (_ring_json("k8", {"k1": b"\x01" * 32}), "has no key 'k8'"),
        (_ring_json("bad id!", {"bad id!": b"\x01" * 32}), "must be a short id"),
    ],
)
def test_a_bad_ring_stops_with_a_clear_message(
    ring_from_env: Callable[[str], None], raw: str, message: str
) -> None:
    ring_from_env(raw)
    with pytest.raises(ImproperlyConfigured, match=message) as caught:
        keyring()
    assert "CONTINUUM_KEYRING" in str(caught.value)
    # The message names the problem, never the key material.
    keys = json.loads(raw).get("keys", {}) if raw.startswith("{") else {}
    for key in keys.values():
        assert key not in str(caught.value)
