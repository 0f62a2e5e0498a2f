"""/api/v1/protocols: reading the protocol, changing it with optimistic locking (409), rules
broken (422), members, holidays, MOUs and conflicts; never a survivor's name in an answer."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from continuum.api.tokens import create_token
from continuum.protocols.models import Conflict, MouStatus
from tests.personas import World
from tests.protocols.helpers import admin, assert_staffing_due_after, community, conflict, mou

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1/protocols"


class Api:
    def __init__(self, world: World, username: str) -> None:
        if username in ("nora", "otto"):
            admin(world, username, "lead" if username == "nora" else "other")
        _token, plain = create_token(actor=world.actor(username), name="test")
        self.client = Client(headers={"Authorization": f"Bearer {plain}"})
        self.world = world

    def _check(self, response: Any) -> Any:
        body = response.content.decode()
        assert "Pérez" not in body
        assert "Ana María" not in body
        return response

    def get(self, path: str) -> Any:
        return self._check(self.client.get(f"{PREFIX}{path}"))

    def send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        call = getattr(self.client, method)
        data = json.dumps(body or {})
        return self._check(call(f"{PREFIX}{path}", data, content_type="application/json"))


def today() -> str:
    return timezone.localdate().isoformat()


def _signature(world: World, agency: str, name: str, title: str) -> dict[str, Any]:
    """A signature `agency` made today, as the API takes it."""
    return {
        "agency_id": world.agencies[agency].pk,
        "signer_name": name,
        "signer_title": title,
        "signed_on": today(),
    }


def test_current_protocol_for_a_member(world: World) -> None:
    protocol = community(world)
    mou(world, in_force=True)
    response = Api(world, "casey").get("/current")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == protocol.pk
    assert body["version"] == protocol.version
    assert body["timelines"]["mdt_staffing_days"] == 14
    assert body["timelines"]["referral_response_business_days"] == 3
    assert body["required_mdt_roles"] == ["lead_case_manager", "investigator"]
    assert body["conflict_procedure"][1] == "Directors meet"
    assert "the MOU is not a release" in body["sharing_note"]
    assert body["sharing_rules"] == [
        {
            "agency_type": "service_provider",
            "categories": ["identity", "mental_health"],
            "category_labels": ["Identity (names, date of birth, language)", "Mental health"],
        }
    ]
    signed = {m["agency"]["name"]: m["signed_mou_in_force"] for m in body["members"]}
    assert signed == {"Harbor Counseling": False, "Lead Family Services": True}
    assert body["mou_in_force"]["status"] == "in_force"


def test_an_agency_in_no_protocol_gets_404(world: World) -> None:
    protocol = community(world)
    api = Api(world, "quinn")
    assert api.get("/current").status_code == 404
    assert api.get(f"/{protocol.pk}/versions").status_code == 404
    otto = Api(world, "otto")
    put = otto.send("put", f"/{protocol.pk}", {"version": protocol.version, "plan_review_days": 9})
    assert put.status_code == 404


def test_a_case_manager_cannot_change_it(world: World) -> None:
    protocol = community(world)
    response = Api(world, "casey").send(
        "put", f"/{protocol.pk}", {"version": protocol.version, "plan_review_days": 9}
    )
    assert response.status_code == 403
    protocol.refresh_from_db()
    assert protocol.plan_review_days == 30


def test_put_changes_only_what_is_sent_and_moves_deadlines(world: World) -> None:
    protocol = community(world)
    api = Api(world, "nora")
    response = api.send(
        "put", f"/{protocol.pk}", {"version": protocol.version, "mdt_staffing_days": 10}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["clocks_moved"] == 1
    assert body["protocol"]["timelines"]["mdt_staffing_days"] == 10
    assert body["protocol"]["mission"] == protocol.mission
    assert body["protocol"]["version"] == protocol.version + 1
    assert_staffing_due_after(world, 10)
    versions = api.get(f"/{protocol.pk}/versions").json()
    assert versions[0]["number"] == protocol.version + 1
    assert versions[0]["snapshot"]["mdt_staffing_days"] == 10
    assert versions[0]["changed_by"]["name"]
    assert versions[-1]["change_summary"] == "Protocol started"


def test_a_stale_version_is_409_and_saves_nothing(world: World) -> None:
    protocol = community(world)
    api = Api(world, "nora")
    loaded = protocol.version
    assert (
        api.send("put", f"/{protocol.pk}", {"version": loaded, "plan_review_days": 45}).status_code
        == 200
    )
    stale = api.send("put", f"/{protocol.pk}", {"version": loaded, "plan_review_days": 60})
    assert stale.status_code == 409
    assert "Nothing was saved" in stale.json()["detail"]
    protocol.refresh_from_db()
    assert protocol.plan_review_days == 45


def test_a_rule_broken_is_422_with_a_message(world: World) -> None:
    protocol = community(world)
    api = Api(world, "nora")
    response = api.send(
        "put", f"/{protocol.pk}", {"version": protocol.version, "mdt_at_risk_days": 14}
    )
    assert response.status_code == 422
    assert "warning must come before" in response.json()["detail"]
    bad = api.send(
        "put",
        f"/{protocol.pk}",
        {"version": protocol.version, "sharing_rules": {"spaceship": ["identity"]}},
    )
    assert bad.status_code == 422
    unknown = api.send("put", f"/{protocol.pk}", {"version": protocol.version, "colour": "blue"})
    assert unknown.status_code == 422


def test_members_and_holidays(world: World) -> None:
    protocol = community(world)
    api = Api(world, "nora")
    other = world.agencies["other"].pk
    added = api.send(
        "post", f"/{protocol.pk}/members", {"agency_id": other, "mdt_roles": ["investigator"]}
    )
    assert added.status_code == 201
    names = [m["agency"]["name"] for m in added.json()["members"]]
    assert "Other County Kids" in names
    assert api.send("post", f"/{protocol.pk}/members", {"agency_id": 999999}).status_code == 422
    removed = api.send("delete", f"/{protocol.pk}/members/{other}")
    assert removed.status_code == 200
    assert "Other County Kids" not in [m["agency"]["name"] for m in removed.json()["members"]]
    own = api.send("delete", f"/{protocol.pk}/members/{world.agencies['lead'].pk}")
    assert own.status_code == 422
    holiday = api.send(
        "post", f"/{protocol.pk}/holidays", {"day": "2026-12-25", "name": "Christmas"}
    )
    assert holiday.status_code == 201
    holiday_id = holiday.json()["holidays"][0]["id"]
    again = api.send("post", f"/{protocol.pk}/holidays", {"day": "2026-12-25", "name": "Again"})
    assert again.status_code == 422
    assert api.send("delete", f"/{protocol.pk}/holidays/{holiday_id}").json()["holidays"] == []
    assert api.send("delete", f"/{protocol.pk}/holidays/{holiday_id}").status_code == 404


def test_another_protocols_agency_cannot_be_added(world: World) -> None:
    protocol = community(world)
    from continuum.protocols.actions import create_protocol
    from tests.protocols.helpers import details

    create_protocol(actor=admin(world, "otto", "other"), details=details(name="Other"))
    response = Api(world, "nora").send(
        "post", f"/{protocol.pk}/members", {"agency_id": world.agencies["other"].pk}
    )
    assert response.status_code == 422
    assert "another community" in response.json()["detail"]


def test_the_mou_lifecycle(world: World) -> None:
    protocol = community(world)
    api = Api(world, "nora")
    expires = (timezone.localdate() + timedelta(days=365)).isoformat()
    drafted = api.send("post", f"/{protocol.pk}/mous", {"title": "MOU 2026", "expires_on": expires})
    assert drafted.status_code == 201
    mou_id = drafted.json()["id"]
    assert drafted.json()["status"] == "draft"
    base = f"/{protocol.pk}/mous/{mou_id}"
    assert api.send("post", f"{base}/in-force", {"effective_from": today()}).status_code == 422
    assert api.send("post", f"{base}/send").json()["status"] == "out_for_signature"
    no_signature = api.send("post", f"{base}/in-force", {"effective_from": today()})
    assert no_signature.status_code == 422
    assert "No member has signed" in no_signature.json()["detail"]
    outsider = api.send("post", f"{base}/signatures", _signature(world, "other", "O", "D"))
    assert outsider.status_code == 422
    assert "Only a member agency signs" in outsider.json()["detail"]
    signed = api.send("post", f"{base}/signatures", _signature(world, "lead", "Dana", "Director"))
    assert signed.status_code == 201
    assert [a["name"] for a in signed.json()["not_signed"]] == ["Harbor Counseling"]
    in_force = api.send("post", f"{base}/in-force", {"effective_from": today()})
    assert in_force.status_code == 200
    assert in_force.json()["status"] == MouStatus.IN_FORCE
    listed = Api(world, "casey").get(f"/{protocol.pk}/mous").json()
    assert listed[0]["signatures"][0]["signer_name"] == "Dana"
    assert Api(world, "casey").send("post", f"{base}/send").status_code == 403


def test_the_conflict_lifecycle(world: World) -> None:
    protocol = community(world)
    api = Api(world, "sam")
    partner = world.agencies["partner"].pk
    raised = api.send(
        "post",
        f"/{protocol.pk}/conflicts",
        {"with_agency_ids": [partner], "summary": "Late referrals."},
    )
    assert raised.status_code == 201
    conflict_id = raised.json()["id"]
    base = f"/{protocol.pk}/conflicts/{conflict_id}"
    wrong = api.send("post", f"{base}/steps", {"step": "Shout", "taken_on": today()})
    assert wrong.status_code == 422
    step = api.send(
        "post", f"{base}/steps", {"step": "Directors meet", "taken_on": today(), "note": "Met."}
    )
    assert step.status_code == 201
    assert step.json()["steps"] == [{"step": "Directors meet", "taken_on": today(), "note": "Met."}]
    done = api.send("post", f"{base}/resolve", {"outcome": "Three days.", "resolved_on": today()})
    assert done.status_code == 200
    assert done.json()["status"] == "resolved"
    again = api.send("post", f"{base}/resolve", {"outcome": "Again.", "resolved_on": today()})
    assert again.status_code == 422
    listed = api.get(f"/{protocol.pk}/conflicts").json()
    assert listed[0]["outcome"] == "Three days."
    assert Api(world, "casey").get(f"/{protocol.pk}/conflicts").status_code == 403
    outside = api.send(
        "post",
        f"/{protocol.pk}/conflicts",
        {"with_agency_ids": [world.agencies["other"].pk], "summary": "x"},
    )
    assert outside.status_code == 422
    assert Conflict.objects.count() == 1


def test_a_conflict_of_another_protocol_is_not_found(world: World) -> None:
    raised = conflict(world)
    other = Api(world, "otto")
    from continuum.protocols.actions import create_protocol
    from tests.protocols.helpers import details

    theirs = create_protocol(actor=world.actor("otto"), details=details(name="Other"))
    response = other.send(
        "post",
        f"/{theirs.pk}/conflicts/{raised.pk}/resolve",
        {"outcome": "x", "resolved_on": today()},
    )
    assert response.status_code == 404
