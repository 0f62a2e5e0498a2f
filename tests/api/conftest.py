"""Local personas and an API client for the API tests.

Two agencies: Harbor House (A, leads the cases here) and Bayside Clinic (B). Names and data
are synthetic. The shared fixtures in tests/conftest.py may replace these later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from continuum.access.actor import Actor
from continuum.accounts.models import Agency, AgencyType, Membership, Role, User
from continuum.api.tokens import create_token
from continuum.audit.models import AuditEntry
from continuum.cases import actions as case_actions
from continuum.cases.models import Case
from continuum.survivors import actions as survivor_actions
from continuum.survivors.actions import SurvivorDetails
from continuum.survivors.models import Survivor


def intake_day() -> date:
    """The fixture case's abuse report came in three days ago: its MDT staffing is due."""
    return timezone.localdate() - timedelta(days=3)


@dataclass
class Persona:
    user: User
    membership: Membership

    @property
    def actor(self) -> Actor:
        return Actor(user=self.user, membership=self.membership)


def make_persona(username: str, agency: Agency, role: Role) -> Persona:
    user, _created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": username.split("_")[0].title(), "last_name": "Example"},
    )
    membership = Membership.objects.create(user=user, agency=agency, role=role)
    return Persona(user, membership)


@pytest.fixture
def agency_a(db: None) -> Agency:
    return Agency.objects.create(
        name="Harbor House", short_name="Harbor", agency_type=AgencyType.LEAD_AGENCY
    )


@pytest.fixture
def agency_b(db: None) -> Agency:
    return Agency.objects.create(
        name="Bayside Clinic", short_name="Bayside", agency_type=AgencyType.HEALTH
    )


@pytest.fixture
def supervisor_a(agency_a: Agency) -> Persona:
    return make_persona("sam_supervisor", agency_a, Role.SUPERVISOR)


@pytest.fixture
def case_manager_a(agency_a: Agency) -> Persona:
    return make_persona("casey_manager", agency_a, Role.CASE_MANAGER)


@pytest.fixture
def screener_a(agency_a: Agency) -> Persona:
    return make_persona("sky_screener", agency_a, Role.SCREENER)


@pytest.fixture
def analyst_a(agency_a: Agency) -> Persona:
    """Must be denied: an analyst sees no survivor records."""
    return make_persona("ana_analyst", agency_a, Role.ANALYST)


@pytest.fixture
def supervisor_b(agency_b: Agency) -> Persona:
    return make_persona("bo_supervisor", agency_b, Role.SUPERVISOR)


@pytest.fixture
def clinician_b(agency_b: Agency) -> Persona:
    return make_persona("cleo_clinician", agency_b, Role.CLINICIAN)


@pytest.fixture
def survivor(case_manager_a: Persona) -> Survivor:
    return survivor_actions.create_survivor(
        actor=case_manager_a.actor,
        details=SurvivorDetails(
            preferred_name="Rosa",
            legal_given_name="Rosalind",
            legal_family_name="Testcase",
            date_of_birth=date(2010, 4, 2),
            aliases=(("Ro", "nickname"),),
        ),
    )


@pytest.fixture
def case(case_manager_a: Persona, survivor: Survivor) -> Case:
    """A case led by agency A; case_manager_a is its lead case manager."""
    return case_actions.open_case(
        actor=case_manager_a.actor, survivor=survivor, report_received_on=intake_day()
    )


@pytest.fixture
def case_b(supervisor_b: Persona, agency_b: Agency) -> Case:
    """A case led by agency B, for someone agency A has never met."""
    creator = make_persona("bea_manager", agency_b, Role.CASE_MANAGER)
    other = survivor_actions.create_survivor(
        actor=creator.actor, details=SurvivorDetails(preferred_name="Lina")
    )
    return case_actions.open_case(actor=supervisor_b.actor, survivor=other, report_received_on=None)


class ApiClient:
    """Django's test client (the whole middleware stack) speaking JSON with a token."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(f"/api/v1{path}", params or {}, headers=self._headers())

    def _send(self, method: str, path: str, body: Any, raw: str | None) -> Any:
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return getattr(self.client, method)(
            f"/api/v1{path}", data, content_type="application/json", headers=self._headers()
        )

    def post(self, path: str, body: Any = None, *, raw: str | None = None) -> Any:
        return self._send("post", path, body, raw)

    def patch(self, path: str, body: Any = None, *, raw: str | None = None) -> Any:
        return self._send("patch", path, body, raw)

    def put(self, path: str, body: Any = None, *, raw: str | None = None) -> Any:
        return self._send("put", path, body, raw)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", headers=self._headers())


def client_for(persona: Persona) -> ApiClient:
    _token, plain = create_token(actor=persona.actor, name="tests")
    return ApiClient(plain)


@pytest.fixture
def as_case_manager(case_manager_a: Persona) -> ApiClient:
    return client_for(case_manager_a)


@pytest.fixture
def as_supervisor(supervisor_a: Persona) -> ApiClient:
    return client_for(supervisor_a)


@pytest.fixture
def as_screener(screener_a: Persona) -> ApiClient:
    return client_for(screener_a)


@pytest.fixture
def as_analyst(analyst_a: Persona) -> ApiClient:
    return client_for(analyst_a)


@pytest.fixture
def as_supervisor_b(supervisor_b: Persona) -> ApiClient:
    return client_for(supervisor_b)


class AuditCounter:
    """Counts audit entries written since the fixture was made, by action."""

    def __init__(self) -> None:
        self.start = AuditEntry.objects.count()

    def new(self) -> list[AuditEntry]:
        return list(AuditEntry.objects.order_by("sequence")[self.start :])

    def actions(self) -> list[str]:
        return [entry.action for entry in self.new()]

    def reset(self) -> None:
        self.start = AuditEntry.objects.count()


@pytest.fixture
def audit() -> AuditCounter:
    return AuditCounter()
