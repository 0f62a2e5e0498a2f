"""A release that covers substance use is a 42 CFR Part 2 consent: it carries every element of
2.31 or is refused, element by element, and wherever it is shown the 2.32 notice goes with
it."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from continuum.access.part2 import REDISCLOSURE_NOTICE
from continuum.audit.models import AuditAction, AuditEntry
from continuum.survivors.actions import (
    Part2ConsentIncomplete,
    ReleaseRefused,
    ReleaseTerms,
    attach_signed_form,
    record_release,
)
from continuum.survivors.models import Release
from tests.personas import World
from tests.survivors import files

pytestmark = pytest.mark.django_db

PROGRAM = "Lead Family Services outpatient recovery program"
INFORMATION = "Dates of attendance and progress in outpatient treatment"
NOTICE_START = "This record which has been disclosed to you is protected by Federal"


def _terms(world: World, **changes: Any) -> ReleaseTerms:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "recipient_agency": world.agencies["partner"],
        "categories": frozenset({"identity", "substance_use"}),
        "purpose": "Coordinating counselling with treatment",
        "starts_on": today,
        "survivor_signed_on": today,
        "expires_on": today + timedelta(days=180),
        "guardian_name": "Rosa Pérez",
        "guardian_relationship": "parent",
        "guardian_signed_on": today,
        "part2_discloser_name": PROGRAM,
        "part2_information": INFORMATION,
        "part2_revocation_explained": True,
        "part2_no_conditioning_explained": True,
        "part2_redisclosure_explained": True,
        **changes,
    }
    return ReleaseTerms(**values)


def _record(world: World, **changes: Any) -> Release:
    return record_release(
        actor=world.actor("casey"), survivor=world.survivor, terms=_terms(world, **changes)
    )


# Each element of a Part 2 consent, taken away one at a time: (changes, field, message).
MISSING = [
    ({"part2_discloser_name": ""}, "part2_discloser_name", "Name the program or person"),
    ({"part2_discloser_name": "   "}, "part2_discloser_name", "Name the program or person"),
    ({"part2_information": ""}, "part2_information", "how much and what kind"),
    ({"purpose": " "}, "purpose", "Say what the sharing is for"),
    ({"expires_on": None, "ends_on_event": ""}, "expires_on", "cannot be open-ended"),
    ({"given_verbally": True}, "given_verbally", "cannot be given verbally"),
    ({"part2_revocation_explained": False}, "part2_revocation_explained", "take it back"),
    (
        {"part2_no_conditioning_explained": False},
        "part2_no_conditioning_explained",
        "do not depend on signing",
    ),
    ({"part2_redisclosure_explained": False}, "part2_redisclosure_explained", "share the"),
]
IDS = [m[1] + ("_blank" if "   " in str(m[0]) else "") for m in MISSING]


@pytest.mark.parametrize(("changes", "field", "message"), MISSING, ids=IDS)
def test_each_missing_element_is_refused(
    world: World, changes: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(Part2ConsentIncomplete) as refused:
        _record(world, **changes)
    assert list(refused.value.missing) == [field]
    assert message in refused.value.missing[field]
    assert "42 CFR Part 2" in str(refused.value)
    assert message in str(refused.value)
    assert not Release.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.RELEASE_RECORDED).exists()


def test_every_missing_element_is_named_at_once(world: World) -> None:
    with pytest.raises(Part2ConsentIncomplete) as refused:
        _record(
            world,
            part2_discloser_name="",
            part2_information="",
            part2_revocation_explained=False,
            part2_no_conditioning_explained=False,
            part2_redisclosure_explained=False,
        )
    assert set(refused.value.missing) == {
        "part2_discloser_name",
        "part2_information",
        "part2_revocation_explained",
        "part2_no_conditioning_explained",
        "part2_redisclosure_explained",
    }


def test_a_complete_part2_consent_is_recorded_and_sealed(world: World) -> None:
    release = _record(world, part2_discloser_name=f"  {PROGRAM} ")
    release.refresh_from_db()
    assert release.is_part2
    assert release.part2_discloser_name == PROGRAM
    assert release.part2_information == INFORMATION
    assert release.part2_revocation_explained
    assert release.part2_no_conditioning_explained
    assert release.part2_redisclosure_explained
    entry = AuditEntry.objects.get(action=AuditAction.RELEASE_RECORDED)
    assert entry.detail["part2"] is True
    # Naming the treatment program says the person is in treatment: sealed like a name.
    with connection.cursor() as cursor:
        cursor.execute("SELECT part2_discloser_name, part2_information FROM survivors_release")
        raw = cursor.fetchone()
    assert all(str(value).startswith("v1:") for value in raw)
    assert not any("outpatient" in str(value) for value in raw)


def test_a_release_without_substance_use_keeps_no_part2_elements(world: World) -> None:
    release = _record(world, categories=frozenset({"identity"}), part2_revocation_explained=False)
    release.refresh_from_db()
    assert not release.is_part2
    assert release.part2_discloser_name is None
    assert release.part2_information is None
    assert not release.part2_no_conditioning_explained


def test_other_rules_still_apply_to_part2(world: World) -> None:
    with pytest.raises(ReleaseRefused, match="under 18"):
        _record(world, guardian_name="", guardian_relationship="")


# --- the web form -------------------------------------------------------------------------------


def _form_data(world: World, **changes: Any) -> dict[str, Any]:
    today = str(timezone.localdate())
    data: dict[str, Any] = {
        "recipient_agency": world.agencies["partner"].pk,
        "categories": ["identity", "substance_use"],
        "purpose": "Coordinating counselling with treatment",
        "starts_on": today,
        "expires_on": str(timezone.localdate() + timedelta(days=90)),
        "survivor_signed_on": today,
        "guardian_name": "Rosa Pérez",
        "guardian_relationship": "parent",
        "guardian_signed_on": today,
        "part2_discloser_name": PROGRAM,
        "part2_information": INFORMATION,
        "part2_revocation_explained": "on",
        "part2_no_conditioning_explained": "on",
        "part2_redisclosure_explained": "on",
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


WEB_MISSING = [
    ({"part2_discloser_name": ""}, "Name the program or person"),
    ({"part2_information": ""}, "how much and what kind of substance use information"),
    ({"expires_on": ""}, "cannot be open-ended"),
    ({"given_verbally": "on"}, "cannot be given verbally"),
    ({"part2_revocation_explained": None}, "take it back at any time"),
    ({"part2_no_conditioning_explained": None}, "do not depend on signing"),
    ({"part2_redisclosure_explained": None}, "no longer be protected by federal law"),
]


@pytest.mark.parametrize(
    ("changes", "message"), WEB_MISSING, ids=[next(iter(m[0])) for m in WEB_MISSING]
)
def test_the_form_refuses_each_missing_element_and_keeps_what_was_typed(
    world: World, changes: dict[str, Any], message: str
) -> None:
    response = world.client_for("casey").post(
        f"/survivors/{world.survivor.pk}/releases/new/", _form_data(world, **changes)
    )
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "usa-alert--error" in page
    assert "42 CFR Part 2" in page
    assert message in page
    assert "usa-form-group--error" in page  # next to its field
    # What was typed is still there.
    assert "Coordinating counselling with treatment" in page
    if changes.get("part2_information") is None:
        assert INFORMATION in page
    if changes.get("part2_discloser_name") is None:
        assert PROGRAM in page
    assert not Release.objects.exists()


def test_the_form_records_a_complete_part2_consent(world: World) -> None:
    casey = world.client_for("casey")
    form = casey.get(f"/survivors/{world.survivor.pk}/releases/new/").content.decode()
    assert 'data-testid="part2"' in form
    assert 'data-shown-with="categories=substance_use"' in form
    assert 'value="Lead Family Services"' in form  # the discloser, suggested
    response = casey.post(f"/survivors/{world.survivor.pk}/releases/new/", _form_data(world))
    assert response.status_code == 302
    release = Release.objects.get()
    assert release.is_part2
    assert release.part2_information == INFORMATION


def test_the_part2_elements_are_ignored_without_substance_use(world: World) -> None:
    data = _form_data(world, categories=["identity"], part2_revocation_explained=None)
    response = world.client_for("casey").post(f"/survivors/{world.survivor.pk}/releases/new/", data)
    assert response.status_code == 302
    release = Release.objects.get()
    assert not release.is_part2
    assert release.part2_discloser_name is None


# --- where a Part 2 consent is shown, the notice goes with it -----------------------------------


def test_the_sharing_page_marks_the_consent_and_shows_the_notice(world: World) -> None:
    _record(world)
    page = world.client_for("casey").get(f"/survivors/{world.survivor.pk}/sharing/")
    text = html.unescape(page.content.decode())
    assert 'data-testid="part2-consent"' in text
    assert "Substance use consent (42 CFR Part 2)" in text
    assert PROGRAM in text
    assert INFORMATION in text
    assert 'data-testid="redisclosure-notice"' in text
    assert str(REDISCLOSURE_NOTICE) in text


def test_no_notice_without_a_part2_consent(world: World) -> None:
    _record(world, categories=frozenset({"identity"}))
    page = world.client_for("casey").get(f"/survivors/{world.survivor.pk}/sharing/")
    text = page.content.decode()
    assert 'data-testid="part2-consent"' not in text
    assert NOTICE_START not in text


def test_the_signed_form_page_of_a_part2_consent_shows_the_notice(world: World) -> None:
    release = _record(world)
    attach_signed_form(actor=world.actor("casey"), release=release, data=files.plain_pdf())
    page = world.client_for("casey").get(
        f"/survivors/{world.survivor.pk}/releases/{release.pk}/signed-form/"
    )
    text = html.unescape(page.content.decode())
    assert 'data-testid="part2-consent"' in text
    assert str(REDISCLOSURE_NOTICE) in text
    assert 'data-testid="signed-form-kept"' in text
