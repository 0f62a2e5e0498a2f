"""Drafts: sealed at rest, one person's alone, for one membership, until they expire; the
audit log says a draft was kept, restored or discarded, never what was in it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django import forms
from django.db import connection
from django.utils import timezone

from continuum.access.actor import Actor
from continuum.accounts.models import Membership, Role
from continuum.audit.models import AuditAction, AuditEntry
from continuum.cases.forms import NoteForm
from continuum.core.encrypted import Sealed
from continuum.core.keyring import DecryptionError
from continuum.drafts import actions, queries
from continuum.drafts.models import Draft
from continuum.drafts.web import initial_from
from tests.personas import World

pytestmark = pytest.mark.django_db

TYPED = "She said the man at the motel on Route 9 still texts her at night."


def _key(world: World) -> str:
    return f"cases.note:{world.case.pk}"


def _keep(world: World, persona: str = "casey", text: str = TYPED) -> Draft:
    return actions.keep_draft(
        actor=world.actor(persona),
        key=_key(world),
        survivor_id=world.survivor.pk,
        data={"category": ["notes"], "body": [text]},
    )


def _raw_data(draft: Draft) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data FROM drafts_draft WHERE id = %s",
            [Draft._meta.pk.get_db_prep_value(draft.pk, connection)],
        )
        return str(cursor.fetchone()[0])


def test_a_draft_is_sealed_at_rest(world: World) -> None:
    draft = _keep(world)
    raw = _raw_data(draft)
    assert raw.startswith("v1:")
    assert "motel" not in raw
    assert "Route 9" not in raw
    assert Draft.objects.get().fields == {"category": ["notes"], "body": [TYPED]}


def test_a_sealed_draft_does_not_open_in_another_row(world: World) -> None:
    """The row id is the sealing's associated data: a value copied to another row is junk."""
    first = _keep(world)
    second = _keep(world, "sam", "Something else entirely, typed by Sam.")
    Draft.objects.filter(pk=second.pk).update(data=Sealed(_raw_data(first)))
    with pytest.raises(DecryptionError):
        _ = Draft.objects.get(pk=second.pk).data


def test_saving_again_replaces_the_draft_and_audits_only_the_first_time(world: World) -> None:
    _keep(world, text="First words.")
    _keep(world, text="First words, and more.")
    _keep(world, text=TYPED)
    assert Draft.objects.count() == 1
    assert Draft.objects.get().fields["body"] == [TYPED]
    kept = AuditEntry.objects.filter(action=AuditAction.DRAFT_KEPT)
    assert kept.count() == 1
    entry = kept.get()
    assert entry.survivor_id == world.survivor.pk
    assert entry.user_id == world.users["casey"].pk
    assert entry.detail == {"form": _key(world), "fields": 2}


def test_a_draft_is_restored_only_for_whoever_kept_it(world: World) -> None:
    _keep(world)
    for persona in ("sam", "drew", "cole", "quinn"):
        assert queries.restore(world.actor(persona), _key(world)) is None
    restored = queries.restore(world.actor("casey"), _key(world))
    assert restored is not None
    assert restored.fields["body"] == [TYPED]


def test_a_draft_is_not_restored_for_another_membership_of_the_same_person(
    world: World,
) -> None:
    """Casey also works for Harbor: what she typed acting for Lead stays with Lead."""
    _keep(world)
    at_harbor = Membership.objects.create(
        user=world.users["casey"], agency=world.agencies["partner"], role=Role.CASE_MANAGER
    )
    as_harbor = Actor(user=world.users["casey"], membership=at_harbor)
    assert queries.restore(as_harbor, _key(world)) is None
    # And a draft of the same form for Harbor is a separate one.
    actions.keep_draft(
        actor=as_harbor, key=_key(world), survivor_id=world.survivor.pk, data={"body": "x"}
    )
    assert Draft.objects.count() == 2
    restored = queries.restore(world.actor("casey"), _key(world))
    assert restored is not None
    assert restored.fields["body"] == [TYPED]


def test_restoring_is_audited_without_the_text(world: World) -> None:
    _keep(world)
    queries.restore(world.actor("casey"), _key(world))
    entry = AuditEntry.objects.get(action=AuditAction.DRAFT_RESTORED)
    assert entry.survivor_id == world.survivor.pk
    assert entry.detail == {"form": _key(world)}


def test_an_expired_draft_is_not_restored_and_is_deleted(world: World, settings: object) -> None:
    draft = _keep(world)
    Draft.objects.filter(pk=draft.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert queries.restore(world.actor("casey"), _key(world)) is None
    assert not Draft.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.DRAFT_RESTORED).exists()


def test_a_draft_lives_the_configured_hours(world: World, settings: object) -> None:
    settings.CONTINUUM_DRAFT_HOURS = 3  # type: ignore[attr-defined]
    before = timezone.now()
    draft = _keep(world)
    assert before + timedelta(hours=3) <= draft.expires_at <= timezone.now() + timedelta(hours=3)


def test_typing_into_an_expired_draft_starts_a_new_one(world: World) -> None:
    draft = _keep(world, text="Old words.")
    Draft.objects.filter(pk=draft.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    fresh = _keep(world)
    assert fresh.pk != draft.pk
    assert fresh.expires_at > timezone.now()
    assert AuditEntry.objects.filter(action=AuditAction.DRAFT_KEPT).count() == 2


def test_discarding_is_audited_and_only_touches_ones_own(world: World) -> None:
    _keep(world)
    _keep(world, "sam")
    assert actions.discard_draft(actor=world.actor("drew"), key=_key(world)) is False
    assert actions.discard_draft(actor=world.actor("casey"), key=_key(world)) is True
    assert list(Draft.objects.values_list("user__username", flat=True)) == ["sam"]
    entry = AuditEntry.objects.get(action=AuditAction.DRAFT_DISCARDED)
    assert entry.user_id == world.users["casey"].pk
    assert entry.survivor_id == world.survivor.pk
    assert set(entry.detail) == {"form", "draft"}
    assert actions.discard_draft(actor=world.actor("casey"), key=_key(world)) is False
    assert AuditEntry.objects.filter(action=AuditAction.DRAFT_DISCARDED).count() == 1


def test_forgetting_after_the_save_is_silent(world: World) -> None:
    _keep(world)
    entries = AuditEntry.objects.count()
    actions.forget_after_save(actor=world.actor("casey"), key=_key(world))
    assert not Draft.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_no_audit_entry_holds_what_was_typed(world: World) -> None:
    _keep(world)
    _keep(world, text=TYPED + " More.")
    queries.restore(world.actor("casey"), _key(world))
    actions.discard_draft(actor=world.actor("casey"), key=_key(world))
    text = " ".join(
        f"{e.detail} {e.object_type} {e.object_id}"
        for e in AuditEntry.objects.filter(action__startswith="draft.")
    )
    assert AuditEntry.objects.filter(action__startswith="draft.").count() == 3
    for word in ("motel", "Route 9", "texts"):
        assert word not in text


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"body": ["x" * (actions.MAX_BYTES + 1)]}, actions.DraftTooLarge),
        ({f"field{n}": ["x"] for n in range(actions.MAX_FIELDS + 1)}, actions.DraftTooLarge),
        # Multi-byte text counts in bytes: 30,000 characters of 3 bytes each is 90 KB.
        ({"body": ["€" * 30_000]}, actions.DraftTooLarge),
        ("just text", actions.DraftRefused),
        (["body", "text"], actions.DraftRefused),
        ({"body": [1, 2]}, actions.DraftRefused),
        ({"body": {"nested": "x"}}, actions.DraftRefused),
        ({"": ["x"]}, actions.DraftRefused),
        ({"x" * 201: ["x"]}, actions.DraftRefused),
    ],
)
def test_bad_or_oversized_data_is_refused(world: World, data: object, problem: type) -> None:
    with pytest.raises(problem) as refused:
        actions.keep_draft(
            actor=world.actor("casey"), key=_key(world), survivor_id=world.survivor.pk, data=data
        )
    assert "x" * 20 not in str(refused.value)
    assert not Draft.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.DRAFT_KEPT).exists()


def test_the_limits_themselves_are_allowed(world: World) -> None:
    fields = {f"f{n}": [""] for n in range(actions.MAX_FIELDS)}
    actions.keep_draft(actor=world.actor("casey"), key="k", survivor_id=None, data=fields)
    overhead = len('{"body":[""]}')
    body = {"body": ["x" * (actions.MAX_BYTES - overhead)]}
    actions.keep_draft(actor=world.actor("casey"), key="k", survivor_id=None, data=body)
    assert Draft.objects.count() == 1


def test_a_key_must_name_a_form(world: World) -> None:
    for key in ("", "k" * 201):
        with pytest.raises(actions.DraftRefused):
            actions.keep_draft(actor=world.actor("casey"), key=key, survivor_id=None, data={})


def test_a_destroyed_survivor_gets_no_new_draft(world: World) -> None:
    import uuid

    with pytest.raises(actions.DraftRefused):
        actions.keep_draft(
            actor=world.actor("casey"), key=_key(world), survivor_id=uuid.uuid4(), data={}
        )


class _Everything(forms.Form):
    title = forms.CharField()
    kinds = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B"), ("c", "C")], widget=forms.CheckboxSelectMultiple
    )
    chosen = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")])
    urgent = forms.BooleanField(required=False)
    consent = forms.BooleanField(required=False)
    when = forms.SplitDateTimeField(required=False)
    upload = forms.FileField(required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)
    left_out = forms.CharField(required=False)


def test_initial_values_take_each_fields_shape() -> None:
    initial = initial_from(
        {
            # Two values for a single field: the last wins, as when the form is submitted.
            "title": ["an earlier value", "Weekly check-in"],
            "kinds": ["a", "c"],
            "chosen": ["b"],
            "urgent": ["on"],
            "when_0": ["2026-03-04"],
            "when_1": ["14:30"],
            "upload": ["C:\\fakepath\\photo.jpg"],
            "version": ["3"],
            "not_a_field": ["x"],
        },
        _Everything,
    )
    assert initial == {
        "title": "Weekly check-in",
        "kinds": ["a", "c"],
        "chosen": ["b"],
        "urgent": True,
        "consent": False,
        "when": ["2026-03-04", "14:30"],
        "version": "3",
    }
    # The values work as a form's initial.
    html = str(_Everything(initial=initial))
    assert 'value="Weekly check-in"' in html
    assert 'name="urgent" id="id_urgent" checked' in html


def test_initial_values_with_a_prefix() -> None:
    initial = initial_from({"plan-title": ["Housing"], "title": ["no"]}, _Everything, prefix="plan")
    assert initial["title"] == "Housing"


def test_the_note_form_comes_back_as_it_was_typed() -> None:
    initial = initial_from({"category": ["health"], "body": [TYPED]}, NoteForm)
    assert initial == {"category": "health", "body": TYPED}
    form = NoteForm(categories=["notes", "health"], initial=initial)
    html = str(form)
    assert "motel on Route 9" in html
    assert 'value="health" ' in html
