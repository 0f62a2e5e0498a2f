"""The raw database holds no survivor's name, date of birth, phone number, contact note,
case note, screening answer, need in their words, nor what they want the people helping them
to know or what matters most to them.

Two looks, as someone who stole the database would take them: the bytes of a SQLite file
(and its write-ahead log) after `continuum demo`, and on PostgreSQL every text value of every
table read with plain SQL, past the application's decryption.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from continuum.demo import community

ROOT = Path(__file__).resolve().parent.parent


def _secrets(today: date) -> set[str]:
    """What must not be readable: every demo survivor's identifying details, as typed.

    Short single words are left out: a name of five letters turns up by chance in a few
    hundred kilobytes of base64 ciphertext (64^-5 per position), and names shorter than that
    occur inside public text such as staff names. They are still looked for as part of the
    full names, which contain a space and so can never appear inside base64.
    """
    public = " ".join(
        [s.first_name + " " + s.last_name for s in community.STAFF]
        + [a.name for a in community.AGENCIES]
    )
    found: set[str] = set()
    for spec in [*community.build(today), *community.screened_people(today)]:
        d = spec.details
        full = f"{d.legal_given_name} {d.legal_family_name}".strip()
        candidates = {
            full,
            d.preferred_name,
            d.legal_given_name,
            d.legal_family_name,
            d.safe_phone,
            d.safe_times,
            d.code_word,
            d.preferences,
            d.priorities,
            *(name for name, _ in d.aliases),
        }
        if d.date_of_birth:
            candidates |= {d.date_of_birth.isoformat(), d.date_of_birth.strftime("%m/%d/%Y")}
        found |= {c for c in candidates if _distinctive(c) and c not in public}
    # The case notes the team wrote (sealed like names).
    found |= {text for notes in community.NOTES_BY_WRITER.values() for _kind, text in notes}
    found |= set(community.PART2_NOTES.values())
    # What screenings recorded in the young person's words: a text answer (inside the sealed
    # answers) and an immediate need (screening.other_need, then the case's Need).
    found |= {community.SCREENING_TEXT_ANSWER, community.SCREENING_OTHER_NEED}
    return found


def _distinctive(text: str) -> bool:
    if len(text) < 5:
        return False
    base64_only = all(ch.isascii() and (ch.isalnum() or ch in "+/=") for ch in text)
    return not base64_only or len(text) >= 9


@pytest.mark.django_db(transaction=True)
def test_a_sqlite_file_holds_no_plaintext(tmp_path: Path) -> None:
    env = {**os.environ, "CONTINUUM_VAR_DIR": str(tmp_path), "DATABASE_URL": ""}
    env.pop("DATABASE_URL")
    for command in (["migrate", "-v0"], ["demo", "-v0"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("continuum.sqlite3*"))
    assert len(raw) > 100_000  # the database really is there
    assert b"Delgado" in raw  # and plain text in it is readable (a staff name is not sealed)
    today = timezone.localdate()
    leaks = sorted(s for s in _secrets(today) if s.encode() in raw)
    assert leaks == []
    assert len(_secrets(today)) > 100  # and the check looked for something


@pytest.mark.django_db
def test_no_table_holds_plaintext_on_this_database() -> None:
    """Every text column of every table, read with raw SQL (on PostgreSQL in CI)."""
    call_command("demo", "-v0")
    _keep_a_draft()
    values: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")
            values.extend(str(v) for row in cursor.fetchall() for v in row if v is not None)
    dump = "\n".join(values)
    assert "Delgado" in dump  # the dump reads the data (a staff name is not sealed)
    secrets = _secrets(timezone.localdate()) | {DRAFT_TEXT}
    leaks = sorted(s for s in secrets if s in dump)
    assert leaks == []


# Unsaved typing kept over an idle sign-out (continuum.drafts): sealed like the note it becomes.
DRAFT_TEXT = "Told me the address of the house on Cypress Lane where they kept her"


def _keep_a_draft() -> None:
    from continuum.access.actor import Actor
    from continuum.accounts.models import Membership, Role
    from continuum.drafts.actions import keep_draft
    from continuum.survivors.models import Survivor

    membership = Membership.objects.filter(role=Role.CASE_MANAGER).select_related("user")[0]
    survivor = Survivor.objects.order_by("pk")[0]
    keep_draft(
        actor=Actor(user=membership.user, membership=membership),
        key=f"cases.note:{survivor.pk}",
        survivor_id=survivor.pk,
        data={"category": ["notes"], "body": [DRAFT_TEXT]},
    )
