"""42 CFR 2.32: substance-use information that reaches another agency than the one that
recorded it carries the re-disclosure notice on every page that shows it and in the export,
as it does in the API and on the notes page; an agency reading its own gets no notice."""

from __future__ import annotations

import pytest

from tests.exports.helpers import packed_record
from tests.needs.helpers import appointment, assess, goal, plan_version
from tests.personas import World, release_to_partner

pytestmark = pytest.mark.django_db

NOTICE = "42 CFR part 2"


def _pages(world: World, username: str, area: str = "substance_use") -> dict[str, str]:
    client = world.client_for(username)
    case = world.case.pk
    last = plan_version(world.case)
    paths = {
        "assessment": f"/needs/cases/{case}/",
        "area": f"/needs/cases/{case}/domains/{area}/",
        "plan": f"/plans/cases/{case}/",
        "version": f"/plans/cases/{case}/versions/{last}/",
        "compare": f"/plans/cases/{case}/versions/?from=1&to={last}",
        "appointments": f"/plans/cases/{case}/appointments/",
    }
    found = {}
    for name, path in paths.items():
        response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        found[name] = response.content.decode()
    return found


def _substance_use_everywhere(world: World) -> None:
    release_to_partner(world, {"needs", "care_plan", "substance_use"})
    # The partner's program records what it found; the lead writes the plan.
    assess(world, "substance_use", by="drew", words="Using daily, wants to cut down")
    goal(world, "Go to a group about my drinking", category="substance_use")
    appointment(world, "Outpatient intake", category="substance_use")


def test_each_agency_sees_the_notice_on_what_the_other_recorded(world: World) -> None:
    _substance_use_everywhere(world)
    lead = _pages(world, "casey")
    # The partner recorded the area: the lead reads it under the notice.
    assert "Using daily" in lead["area"]
    assert NOTICE in lead["area"]
    assert NOTICE in lead["assessment"]
    # The lead wrote the plan and the calendar: no notice for the lead.
    for name in ("plan", "version", "compare", "appointments"):
        assert NOTICE not in lead[name], name
    partner = _pages(world, "drew")
    assert "Go to a group about my drinking" in partner["plan"]
    for name in ("plan", "version", "compare", "appointments"):
        assert NOTICE in partner[name], name
    # The partner's own area: its own record, no notice.
    assert "Using daily" in partner["area"]
    assert NOTICE not in partner["area"]


def test_no_notice_without_substance_use(world: World) -> None:
    release_to_partner(world, {"needs", "care_plan"})
    assess(world, "shelter", by="drew", words="Sleeping on a friend's couch")
    goal(world, "A room of my own")
    for username in ("casey", "drew"):
        for name, body in _pages(world, username, area="shelter").items():
            assert NOTICE not in body, (username, name)


def test_the_export_carries_the_notice_with_each_such_item(world: World) -> None:
    _substance_use_everywhere(world)
    record = packed_record(world, "casey")
    [case] = record["cases"]
    [need] = [n for n in case["needs"] if n["in_their_words"].startswith("Using daily")]
    assert NOTICE in need["notice"]
    # What the lead wrote itself carries none.
    assert all("notice" not in g for g in case["plan_goals"])
    assert all("notice" not in a for a in case["appointments"])
