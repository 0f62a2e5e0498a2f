"""`continuum purge` deletes drafts past their time, and a destroyed survivor's drafts go with
them."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from continuum.drafts import actions
from continuum.drafts.models import Draft
from continuum.retention.actions import purge_due
from tests.personas import World
from tests.retention.test_purge import CLOSED_DAYS, rows_anywhere, with_case

pytestmark = pytest.mark.django_db


def _keep(world: World, persona: str, key: str, survivor_id: object) -> Draft:
    return actions.keep_draft(
        actor=world.actor(persona), key=key, survivor_id=survivor_id, data={"body": ["typed"]}
    )


def _expire(*drafts: Draft) -> None:
    Draft.objects.filter(pk__in=[d.pk for d in drafts]).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )


def test_purge_deletes_expired_drafts_and_says_how_many(world: World) -> None:
    old = [_keep(world, p, "cases.note:x", world.survivor.pk) for p in ("casey", "sam", "drew")]
    current = _keep(world, "casey", "cases.note:y", world.survivor.pk)
    _expire(*old)
    out = io.StringIO()
    call_command("purge", "--dry-run", stdout=out)
    assert "drafts (kept 24 hours): 3" in out.getvalue()
    assert Draft.objects.count() == 4

    out = io.StringIO()
    call_command("purge", "--batch-size", "2", stdout=out)
    assert "and 3 drafts." in out.getvalue()
    assert list(Draft.objects.values_list("pk", flat=True)) == [current.pk]
    # The survivor whose drafts they were is untouched.
    world.survivor.refresh_from_db()

    again = io.StringIO()
    call_command("purge", stdout=again)
    assert "Nothing is due" in again.getvalue()


def test_the_purge_result_counts_drafts(world: World) -> None:
    _expire(_keep(world, "casey", "k", None))
    assert purge_due().drafts_destroyed == 1
    assert purge_due().as_dict()["drafts_destroyed"] == 0


def test_an_interrupted_purge_of_drafts_is_finished_by_a_rerun(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _expire(*[_keep(world, "casey", f"k{n}", None) for n in range(5)])
    real = Draft.objects.filter
    calls = {"n": 0}

    def stopped_on_the_third_batch(*args: object, **kwargs: object) -> object:
        if "pk__in" in kwargs:
            calls["n"] += 1
            if calls["n"] == 3:
                raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(Draft.objects, "filter", stopped_on_the_third_batch)
    with pytest.raises(KeyboardInterrupt):
        actions.destroy_expired_drafts(batch_size=2)
    monkeypatch.undo()
    assert Draft.objects.count() == 1  # two whole batches went
    assert actions.destroy_expired_drafts(batch_size=2) == 1
    assert not Draft.objects.exists()


def test_destroying_a_survivor_destroys_their_drafts(world: World) -> None:
    doomed = with_case(world, "Zora", closed_days_ago=CLOSED_DAYS + 5)
    _keep(world, "casey", "cases.note:doomed", doomed.pk)
    _keep(world, "sam", "cases.note:doomed", doomed.pk)
    kept = _keep(world, "casey", "cases.note:ana", world.survivor.pk)
    case_ids = list(doomed.cases.values_list("pk", flat=True))
    assert rows_anywhere(doomed.pk, case_ids)["drafts_draft.survivor_id"] == 2

    call_command("purge", stdout=io.StringIO())

    anywhere = rows_anywhere(doomed.pk, case_ids)
    assert anywhere["drafts_draft.survivor_id"] == 0
    assert set(anywhere.values()) == {0}, anywhere
    assert list(Draft.objects.values_list("pk", flat=True)) == [kept.pk]
