"""The survivor page leads with the person: what they want the people helping them to know,
and what matters most to them now, in their words, before safe contact, screenings and
cases; each shown only to those whose categories allow it."""

from __future__ import annotations

import pytest

from continuum.access.policy import Forbidden
from continuum.audit.models import AuditAction, AuditEntry
from continuum.survivors.actions import SurvivorDetails, create_survivor, update_survivor
from continuum.survivors.models import Survivor
from continuum.survivors.queries import survivor_for
from tests.personas import World, release_to_partner

pytestmark = pytest.mark.django_db

PREFERENCES = "Please knock and wait. I would rather talk with a woman."
PRIORITIES = "Getting back on the swim team by spring."


def _edit_data(world: World, **overrides: str) -> dict[str, str]:
    survivor = Survivor.objects.get(pk=world.survivor.pk)
    data = {
        "preferred_name": survivor.preferred_name,
        "legal_given_name": survivor.legal_given_name,
        "legal_family_name": survivor.legal_family_name,
        "pronouns": survivor.pronouns,
        "primary_language": "en",
        "date_of_birth": str(survivor.date_of_birth),
        "safe_to_call": "yes",  # as recorded for Ana
        "version": str(survivor.version),
    }
    data.update(overrides)
    return data


def _record_their_words(world: World) -> None:
    response = world.client_for("casey").post(
        f"/survivors/{world.survivor.pk}/edit/",
        _edit_data(world, preferences=PREFERENCES, priorities=PRIORITIES),
    )
    assert response.status_code == 302


def test_the_page_leads_with_their_words(world: World) -> None:
    _record_their_words(world)
    html = world.client_for("casey").get(f"/survivors/{world.survivor.pk}/").content.decode()
    order = [
        'id="person-name"',
        "What they want you to know",
        "Please knock and wait.",
        "What matters most to them now",
        PRIORITIES,
        "Safe ways to reach them",
        "Cases",
    ]
    positions = [html.index(text) for text in order]
    assert positions == sorted(positions)
    assert "<h2" in html[html.index(order[0]) : html.index(order[1])]  # a heading, not colour


def test_a_change_is_audited_by_field_and_the_timeline_says_only_that_details_changed(
    world: World,
) -> None:
    _record_their_words(world)
    entry = AuditEntry.objects.filter(action=AuditAction.SURVIVOR_UPDATED).latest("sequence")
    assert entry.detail["fields"] == ["preferences", "priorities"]
    summaries = list(world.case.events.values_list("summary", flat=True))
    assert "Personal details changed" in summaries
    assert not any("swim" in s or "knock" in s for s in summaries)


def test_the_words_are_sealed_at_rest(world: World) -> None:
    _record_their_words(world)
    raw = Survivor.objects.filter(pk=world.survivor.pk).values_list("preferences", "priorities")[0]
    assert all(value.startswith("v1:") for value in raw)
    assert not any("swim" in value for value in raw)


def test_a_partner_with_a_release_of_identity_sees_how_to_work_with_them_only(
    world: World,
) -> None:
    _record_their_words(world)
    release_to_partner(world, {"identity"})
    html = world.client_for("drew").get(f"/survivors/{world.survivor.pk}/").content.decode()
    assert "Please knock and wait." in html
    assert "swim team" not in html
    assert "What matters most to them now" not in html  # nothing, not "not recorded"
    assert "Care plan and appointments" in html  # named among what is not shared


def test_a_partner_without_a_release_sees_neither(world: World) -> None:
    _record_their_words(world)
    html = world.client_for("drew").get(f"/survivors/{world.survivor.pk}/").content.decode()
    for text in ("knock", "swim", "What they want you to know", "What matters most"):
        assert text not in html


def test_a_record_from_before_the_fields_existed_reads_as_nothing_recorded(world: World) -> None:
    Survivor.objects.filter(pk=world.survivor.pk).update(preferences=None, priorities=None)
    casey = world.client_for("casey")
    html = casey.get(f"/survivors/{world.survivor.pk}/").content.decode()
    assert "Nothing recorded yet" in html
    form = casey.get(f"/survivors/{world.survivor.pk}/edit/").content.decode()
    assert "None" not in form.split('name="preferences"')[1].split("</textarea>")[0]
    # Saving the form unchanged changes nothing of theirs.
    casey.post(f"/survivors/{world.survivor.pk}/edit/", _edit_data(world))
    entry = AuditEntry.objects.filter(action=AuditAction.SURVIVOR_UPDATED).latest("sequence")
    assert entry.detail["fields"] == []


def test_too_long_is_refused_with_a_message_and_keeps_what_was_typed(world: World) -> None:
    response = world.client_for("casey").post(
        f"/survivors/{world.survivor.pk}/edit/",
        _edit_data(world, preferences="x" * 1001, priorities="Keep this"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_preferences_error"' in html
    assert "at most 1000 characters" in html
    assert "Keep this" in html


def test_each_field_says_what_belongs_there(world: World) -> None:
    html = world.client_for("casey").get(f"/survivors/{world.survivor.pk}/edit/").content.decode()
    assert 'id="id_preferences_helptext"' in html
    assert "what helps and what to avoid" in html
    assert 'id="id_priorities_helptext"' in html


# --- a screener records the person but never sees, so never records, their priorities


def _screeners_record(world: World) -> Survivor:
    jordan = world.client_for("jordan")
    made = jordan.post(
        "/survivors/new/",
        {"preferred_name": "Dani", "primary_language": "en", "preferences": PREFERENCES},
    )
    assert made.status_code == 302
    return Survivor.objects.get(pk=made["Location"].split("/")[2])


def test_the_screeners_form_offers_preferences_but_not_priorities(world: World) -> None:
    html = world.client_for("jordan").get("/survivors/new/").content.decode()
    assert 'name="preferences"' in html
    assert 'name="priorities"' not in html
    assert 'name="priorities"' in world.client_for("casey").get("/survivors/new/").content.decode()


def test_what_a_screener_may_not_see_stays_as_saved_when_they_edit(world: World) -> None:
    dani = _screeners_record(world)
    assert dani.preferences == PREFERENCES
    # Their supervisor (who sees the care plan) adds what matters most to them.
    sam = world.actor("sam")
    update_survivor(
        actor=sam,
        survivor=Survivor.objects.get(pk=dani.pk),
        expected_version=dani.version,
        details=SurvivorDetails(preferred_name="Dani", preferences=PREFERENCES, priorities="Art"),
    )
    jordan = world.client_for("jordan")
    page = jordan.get(f"/survivors/{dani.pk}/").content.decode()
    assert "Please knock and wait." in page
    assert "What matters most" not in page
    # The role's limit is not a release the survivor could sign: nothing says "not shared".
    assert 'data-testid="withheld"' not in page
    edit = jordan.get(f"/survivors/{dani.pk}/edit/").content.decode()
    assert 'name="priorities"' not in edit
    dani.refresh_from_db()
    response = jordan.post(
        f"/survivors/{dani.pk}/edit/",
        {
            "preferred_name": "Dani",
            "pronouns": "they/them",
            "primary_language": "en",
            "preferences": PREFERENCES,
            "priorities": "typed by hand into the request",
            "version": str(dani.version),
        },
    )
    assert response.status_code == 302
    dani.refresh_from_db()
    assert dani.pronouns == "they/them"
    assert dani.priorities == "Art"


def test_the_action_refuses_what_the_role_may_not_see(world: World) -> None:
    jordan = world.actor("jordan")
    with pytest.raises(Forbidden):
        create_survivor(actor=jordan, details=SurvivorDetails(preferred_name="K", priorities="x"))
    made = create_survivor(actor=jordan, details=SurvivorDetails(preferred_name="K"))
    masked = survivor_for(jordan, made.pk, audit_read=False)
    with pytest.raises(Forbidden):
        update_survivor(
            actor=jordan,
            survivor=masked,
            expected_version=masked.version,
            details=SurvivorDetails(preferred_name="K", priorities="x"),
        )
    # What they may see is saved, and the copy they hold stays masked.
    updated = update_survivor(
        actor=jordan,
        survivor=masked,
        expected_version=masked.version,
        details=SurvivorDetails(preferred_name="K", preferences="Sit by the window"),
    )
    assert updated.preferences == "Sit by the window"
    assert updated.priorities is None
    assert updated.version == 2
    assert Survivor.objects.get(pk=made.pk).priorities == ""
