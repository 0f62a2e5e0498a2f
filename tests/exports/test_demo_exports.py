"""`make run` shows exports: one waiting for Sam's approval, one approved and ready for Casey.

The community is loaded once for the module inside a transaction rolled back at the end (as
in tests/demo)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from continuum.access.actor import Actor, Channel
from continuum.accounts.models import Membership
from continuum.audit.verify import verify_chain
from continuum.exports.models import Export
from continuum.exports.queries import count_to_approve, exports_of, passphrase_for
from tests.exports.helpers import open_zip

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo_community(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def _actor(username: str) -> Actor:
    membership = Membership.objects.select_related("agency", "user").get(
        user__username=username, agency__short_name="Palmetto Family"
    )
    return Actor(user=membership.user, membership=membership, via=Channel.WEB)


def test_one_export_waits_for_sam_and_one_is_ready_for_casey() -> None:
    casey, sam = _actor("casey"), _actor("sam")
    assert count_to_approve(sam) == 1
    states = sorted(export.state for export in exports_of(casey))
    assert states == ["ready", "requested"]
    ready = next(e for e in exports_of(casey) if e.state == "ready")
    assert ready.decided_by is not None
    assert ready.decided_by.username == "sam"
    passphrase = passphrase_for(casey, ready)
    assert passphrase is not None
    stored = Export.objects.get(pk=ready.pk)
    assert stored.archive is not None
    assert set(open_zip(stored.archive, passphrase)) == {"record.json", "record.csv", "README.txt"}
    assert verify_chain().ok


def test_a_rerun_makes_no_more_exports() -> None:
    before = Export.objects.count()
    call_command("demo", stdout=StringIO(), force=True)
    assert Export.objects.count() == before == 2
