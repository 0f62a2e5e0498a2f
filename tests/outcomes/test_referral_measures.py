"""The referral measures (continuum.outcomes.referral_measures), their page, CSV and API, from a
small set of referrals whose every figure is worked out by hand. Rows are made with the ORM,
timestamps set explicitly (the life cycle itself is tested in tests/referrals; one test here
runs it through the actions). Times are noon in New York (the agencies' zone), January 2026
unless said; "+1.0" is a day later.

Sent by Lead Family Services (Sam supervises) to Harbor Counseling:
  R1 mental_health  Jan 10  accepted +1.0, started +3.0, completed, got help
  R2 mental_health  Jan 11  accepted +0.5, started +2.0 (in progress)
  R3 mental_health  Jan 12  not accepted: no capacity (no outcome)
  R4 shelter        Jan 12  waiting for an answer
  R5 shelter        Jan 13  withdrawn before an answer (cancelled), did not get help
to North Clinic:
  R6 shelter        Jan 14  accepted +2.0, then could not be completed, did not get help
  R7 shelter        Jan 15  not accepted: not eligible, got help (found elsewhere)
  R8 (no need)      Feb  3  accepted +4.0, started +6.0, completed, got help
never counted: a draft; a draft cancelled (never sent); a referral entered in error.
Sent by Other County Kids to Harbor:
  R12 mental_health Jan 20  accepted +3.0, started +5.0, completed, no outcome
Capacity inquiries by Lead: I1 shelter to North said yes; I2 shelter to North said no;
  I3 shelter to Harbor not answered; I4 mental_health to Harbor withdrawn. By Other: I5 to
  Harbor said yes.

Lead, all time: sent 8 = accepted 4 (R1 R2 R6 R8) + not accepted 2 (R3 R7) + waiting 1 + withdrawn
1; acceptance 4 of 6 = 67%; days to acceptance 0.5, 1, 2, 4: median 1.5, 90th 4.0; started 3
(R1 R2 R8): 2, 3, 6: median 3.0, 90th 6.0; closed 6 (R1 R3 R5 R6 R7 R8): got help 3 (R1 R7
R8), did not 2 (R5 R6), no outcome 1 (R3): 5 of 6 = 83%.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from continuum.accounts.models import Agency, AgencyType
from continuum.api.tokens import create_token
from continuum.audit.models import AuditAction, AuditEntry
from continuum.cases.models import Case
from continuum.outcomes import figures
from continuum.outcomes.needs import Scope
from continuum.outcomes.periods import ALL_TIME, Period, parse_period
from continuum.outcomes.referral_measures import (
    ReferralMeasures,
    measure_referrals,
    suppress_linked,
)
from continuum.referrals import actions
from continuum.referrals.models import Referral, ReferralStatus
from tests.outcomes.helpers import new_case
from tests.personas import World
from tests.referrals.helpers import referral_world, sent

pytestmark = pytest.mark.django_db

URL = "/measures/referrals/"
API = "/api/v1/measures/referrals"
NY = ZoneInfo("America/New_York")


def noon(month: int, day: int) -> datetime:
    return datetime.combine(datetime(2026, month, day).date(), time(12), NY)


@dataclass
class Referrals:
    world: World
    north: Agency
    other_case: Case


def make(
    world: World,
    *,
    to: Agency,
    sent_on: datetime | None,
    status: str,
    domain: str = "",
    kind: str = "referral",
    by: str = "lead",
    case: Case | None = None,
    accepted: float | None = None,
    started: float | None = None,
    reason: str = "",
    outcome: str = "",
) -> Referral:
    """A referral sent at `sent_on`, accepted and started that many days later."""

    def later(days: float | None) -> datetime | None:
        return None if days is None or sent_on is None else sent_on + timedelta(days=days)

    closed = status in {"rejected", "failed", "completed", "cancelled", "entered-in-error"}
    return Referral.objects.create(
        kind=kind,
        case=case or world.case,
        domain_code=domain,
        service_name="A service",
        from_agency=world.agencies[by],
        to_agency=to,
        status=status,
        reason=reason,
        outcome=outcome,
        inquiry_text="A young person needs help soon. Could you take them?"
        if kind != "referral"
        else "",
        created_by=world.users["casey" if by == "lead" else "quinn"],
        requested_at=sent_on,
        answered_at=later(accepted)
        if accepted is not None
        else (later(1.0) if status == "rejected" else None),
        accepted_at=later(accepted),
        started_at=later(started),
        closed_at=later(7.0) if closed else None,
        outcome_at=later(8.0) if outcome else None,
    )


def build_referrals(world: World) -> Referrals:
    harbor = world.agencies["partner"]
    north = Agency.objects.create(name="North Clinic", agency_type=AgencyType.SERVICE_PROVIDER)
    mh, shelter = "mental_health", "shelter"
    make(world, to=harbor, sent_on=noon(1, 10), status="completed", domain=mh, accepted=1.0,
         started=3.0, outcome="got_help")  # fmt: skip
    make(world, to=harbor, sent_on=noon(1, 11), status="in-progress", domain=mh, accepted=0.5,
         started=2.0)  # fmt: skip
    make(world, to=harbor, sent_on=noon(1, 12), status="rejected", domain=mh,
         reason="no_capacity")  # fmt: skip
    make(world, to=harbor, sent_on=noon(1, 12), status="requested", domain=shelter)
    make(world, to=harbor, sent_on=noon(1, 13), status="cancelled", domain=shelter,
         reason="no_longer_needed", outcome="did_not_get_help")  # fmt: skip
    make(world, to=north, sent_on=noon(1, 14), status="failed", domain=shelter, accepted=2.0,
         reason="could_not_contact", outcome="did_not_get_help")  # fmt: skip
    make(world, to=north, sent_on=noon(1, 15), status="rejected", domain=shelter,
         reason="not_eligible", outcome="got_help")  # fmt: skip
    make(world, to=north, sent_on=noon(2, 3), status="completed", accepted=4.0, started=6.0,
         outcome="got_help")  # fmt: skip
    # Never counted.
    make(world, to=harbor, sent_on=None, status="draft", domain=mh)
    make(world, to=harbor, sent_on=None, status="cancelled", domain=mh, reason="declined")
    make(world, to=harbor, sent_on=noon(1, 16), status="entered-in-error", domain=mh)
    other_case = new_case(world, by="quinn", name="Tala")
    make(world, to=harbor, sent_on=noon(1, 20), status="completed", domain=mh, accepted=3.0,
         started=5.0, by="other", case=other_case)  # fmt: skip
    inquiry = "capacity_inquiry"
    make(world, to=north, sent_on=noon(1, 10), status="accepted", domain=shelter, kind=inquiry,
         accepted=0.2)  # fmt: skip
    make(world, to=north, sent_on=noon(1, 11), status="rejected", domain=shelter, kind=inquiry,
         reason="no_capacity")  # fmt: skip
    make(world, to=harbor, sent_on=noon(1, 12), status="requested", domain=shelter, kind=inquiry)
    make(world, to=harbor, sent_on=noon(1, 13), status="cancelled", domain=mh, kind=inquiry,
         reason="no_longer_needed")  # fmt: skip
    make(world, to=harbor, sent_on=noon(1, 21), status="accepted", domain=mh, kind=inquiry,
         accepted=0.1, by="other", case=other_case)  # fmt: skip
    return Referrals(world=world, north=north, other_case=other_case)


@pytest.fixture
def referrals(world: World) -> Referrals:
    return build_referrals(world)


def _lead(r: Referrals) -> Scope:
    return Scope(community=False, agency_id=r.world.agencies["lead"].pk)


def _measure(scope: Scope, period: Period = ALL_TIME) -> ReferralMeasures:
    return measure_referrals(scope, period, zone="America/New_York")


def _values(row: object) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, value in vars(row).items():
        if isinstance(value, figures.Figure):
            found[name] = value.value
        elif isinstance(value, dict):
            found[name] = {k: v.value for k, v in value.items()}
    return found


LEAD_ALL = {
    "sent": 8,
    "accepted": 4,
    "rejected": 2,
    "waiting": 1,
    "withdrawn": 1,
    "answered": 6,
    "accepted_share": 67,
    "median_days_to_accept": 1.5,
    "p90_days_to_accept": 4.0,
    "started": 3,
    "median_days_to_start": 3.0,
    "p90_days_to_start": 6.0,
    "closed": 6,
    "got_help": 3,
    "did_not_get_help": 2,
    "no_outcome": 1,
    "with_outcome": 5,
    "with_outcome_share": 83,
    "rejected_by_reason": {
        "not_eligible": 1,
        "no_capacity": 1,
        "could_not_contact": 0,
        "declined": 0,
    },
}


# --- the figures ------------------------------------------------------------------------------


def test_every_referral_the_agency_sent(referrals: Referrals) -> None:
    assert _values(_measure(_lead(referrals)).referrals) == LEAD_ALL


def test_by_receiving_agency(referrals: Referrals) -> None:
    rows = {r.name: _values(r) for r in _measure(_lead(referrals)).referrals_by_agency}
    assert list(rows) == ["Harbor Counseling", "North Clinic"]
    harbor, north = rows["Harbor Counseling"], rows["North Clinic"]
    assert {k: harbor[k] for k in ("sent", "accepted", "rejected", "waiting", "withdrawn")} == {
        "sent": 5,
        "accepted": 2,
        "rejected": 1,
        "waiting": 1,
        "withdrawn": 1,
    }
    assert harbor["accepted_share"] == 67  # 2 of 3
    assert harbor["median_days_to_accept"] == 0.8  # 0.5 and 1.0: 0.75, to one decimal
    assert harbor["p90_days_to_accept"] == 1.0
    assert (harbor["started"], harbor["median_days_to_start"]) == (2, 2.5)
    assert (harbor["closed"], harbor["got_help"], harbor["did_not_get_help"]) == (3, 1, 1)
    assert (harbor["no_outcome"], harbor["with_outcome_share"]) == (1, 67)
    assert harbor["rejected_by_reason"]["no_capacity"] == 1
    assert (north["sent"], north["accepted"], north["rejected"], north["waiting"]) == (3, 2, 1, 0)
    assert (north["median_days_to_accept"], north["started"]) == (3.0, 1)  # 2.0 and 4.0
    assert (north["closed"], north["got_help"], north["with_outcome_share"]) == (3, 2, 100)
    assert north["rejected_by_reason"]["not_eligible"] == 1


def test_by_need(referrals: Referrals) -> None:
    rows = {r.name: r for r in _measure(_lead(referrals)).referrals_by_need}
    # In the assessment's order; "no need named" last.
    assert list(rows) == ["Shelter and housing", "Mental health services", "No need named"]
    assert [r.code for r in rows.values()] == ["shelter", "mental_health", ""]
    shelter = _values(rows["Shelter and housing"])
    assert {k: shelter[k] for k in ("sent", "accepted", "rejected", "waiting", "withdrawn")} == {
        "sent": 4,
        "accepted": 1,
        "rejected": 1,
        "waiting": 1,
        "withdrawn": 1,
    }
    assert (shelter["accepted_share"], shelter["median_days_to_accept"]) == (50, 2.0)
    assert (shelter["started"], shelter["median_days_to_start"]) == (0, None)
    assert rows["Shelter and housing"].median_days_to_start.shown == "—"
    assert (shelter["closed"], shelter["got_help"], shelter["did_not_get_help"]) == (3, 1, 2)
    mental = _values(rows["Mental health services"])
    assert (mental["sent"], mental["accepted"], mental["started"], mental["closed"]) == (3, 2, 2, 2)
    assert (mental["with_outcome_share"], mental["no_outcome"]) == (50, 1)
    assert _values(rows["No need named"])["sent"] == 1


def test_capacity_inquiries_are_counted_apart(referrals: Referrals) -> None:
    measures = _measure(_lead(referrals))
    assert _values(measures.inquiries) == {
        "asked": 4,
        "yes": 1,
        "no": 1,
        "unanswered": 1,
        "withdrawn": 1,
        "yes_share": 50,
    }
    rows = {r.name: _values(r) for r in measures.inquiries_by_agency}
    assert rows["North Clinic"] == {
        "asked": 2,
        "yes": 1,
        "no": 1,
        "unanswered": 0,
        "withdrawn": 0,
        "yes_share": 50,
    }
    assert rows["Harbor Counseling"]["yes_share"] is None  # nothing answered
    needs = {r.code: _values(r)["asked"] for r in measures.inquiries_by_need}
    assert needs == {"shelter": 3, "mental_health": 1}
    # Not one of them in the referral figures.
    assert measures.referrals.sent.value == 8


def test_another_agencys_referrals_are_its_own(referrals: Referrals) -> None:
    other = Scope(community=False, agency_id=referrals.world.agencies["other"].pk)
    measures = _measure(other)
    row = _values(measures.referrals)
    assert (row["sent"], row["accepted"], row["started"], row["closed"]) == (1, 1, 1, 1)
    assert (row["median_days_to_accept"], row["median_days_to_start"]) == (3.0, 5.0)
    assert (row["no_outcome"], row["with_outcome_share"]) == (1, 0)
    assert measures.inquiries.yes.value == 1
    # Harbor's own referrals received are not counted as Harbor's: it sent none.
    harbor = Scope(community=False, agency_id=referrals.world.agencies["partner"].pk)
    assert _measure(harbor).referrals.sent.value == 0


def test_a_period_chooses_referrals_by_the_day_they_were_sent(referrals: Referrals) -> None:
    january = _measure(_lead(referrals), parse_period(month="2026-01")).referrals
    assert (january.sent.value, january.accepted.value, january.started.value) == (7, 3, 2)
    february = _measure(_lead(referrals), parse_period(month="2026-02")).referrals
    assert (february.sent.value, february.accepted.value, february.got_help.value) == (1, 1, 1)
    day = _measure(_lead(referrals), parse_period(start="2026-01-12", end="2026-01-12"))
    assert (day.referrals.sent.value, day.referrals.waiting.value) == (2, 1)  # R3, R4
    assert day.inquiries.asked.value == 1  # I3
    empty = _measure(_lead(referrals), parse_period(month="2001-01")).referrals
    assert (empty.sent.value, empty.accepted_share.shown, empty.median_days_to_accept.shown) == (
        0,
        "—",
        "—",
    )


def test_the_community_sees_small_counts_hidden(referrals: Referrals) -> None:
    measures = _measure(Scope(community=True))
    every = measures.referrals
    assert (every.sent.shown, every.accepted.shown) == ("<11", "<11")  # 9 and 5
    assert every.rejected_by_reason["declined"].shown == "0"
    assert (every.accepted_share.shown, every.median_days_to_accept.shown) == ("hidden", "hidden")
    assert measures.inquiries.asked.shown == "<11"


def test_the_actions_timestamps_are_what_is_measured(world: World) -> None:
    service, need = referral_world(world)
    referral = sent(world, service, need)
    ivy = world.actor("ivy")
    for to in (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS):
        referral = actions.move_referral(actor=ivy, referral=referral, to=to)
    actions.move_referral(
        actor=ivy, referral=referral, to=ReferralStatus.COMPLETED, outcome="got_help"
    )
    lead = Scope(community=False, agency_id=world.agencies["lead"].pk)
    row = _values(measure_referrals(lead, ALL_TIME, zone="America/New_York").referrals)
    assert (row["sent"], row["accepted"], row["started"], row["closed"], row["got_help"]) == (
        1,
        1,
        1,
        1,
        1,
    )
    assert row["median_days_to_accept"] == 0.0
    needs = measure_referrals(lead, ALL_TIME, zone="America/New_York").referrals_by_need
    assert [r.code for r in needs] == ["mental_health"]


# --- small counts: 10 and 11, and the counts that would tell them -----------------------------


def _bulk(world: World, to: Agency, n: int, *, status: str = "completed") -> None:
    """`n` shelter referrals sent in March: completed ones accepted 1.0, 1.1, 1.2... days
    after sending, started after 2, with "got help"; rejected ones not eligible."""
    done = status == "completed"
    for i in range(n):
        make(
            world,
            to=to,
            sent_on=noon(3, 1) + timedelta(hours=i),
            status=status,
            domain="shelter",
            accepted=1.0 + i / 10 if done else None,
            started=2.0 if done else None,
            outcome="got_help" if done else "",
            reason="" if done else "not_eligible",
        )


def test_ten_is_hidden_and_eleven_shown(world: World) -> None:
    harbor = world.agencies["partner"]
    _bulk(world, harbor, 10)
    every = _measure(Scope(community=True)).referrals
    assert (every.sent.shown, every.accepted.shown, every.started.shown) == ("<11", "<11", "<11")
    assert every.median_days_to_accept.shown == "hidden"  # rests on 10
    _bulk(world, harbor, 1)
    every = _measure(Scope(community=True)).referrals
    assert (every.sent.shown, every.accepted.shown, every.started.shown) == ("11", "11", "11")
    assert every.accepted_share.shown == "100%"
    # 1.0 twice, then 1.1, 1.2 ... 1.9: the sixth is 1.4, the tenth (of 11: ceil 9.9) 1.8.
    assert every.median_days_to_accept.shown == "1.4"
    assert every.p90_days_to_accept.shown == "1.8"
    assert (every.waiting.shown, every.rejected.shown) == ("0", "0")


def test_a_count_that_would_tell_a_small_one_is_hidden(world: World) -> None:
    """20 accepted and 3 not accepted, of 23 sent: 3 is "<11", and 20 would give it away
    (23 - 20), so it is hidden too; so is the acceptance rate. The 3 by reason are small."""
    harbor = world.agencies["partner"]
    _bulk(world, harbor, 20)
    _bulk(world, harbor, 3, status="rejected")
    every = _measure(Scope(community=True)).referrals
    shown = {
        "sent": every.sent.shown,
        "accepted": every.accepted.shown,
        "rejected": every.rejected.shown,
        "answered": every.answered.shown,
        "share": every.accepted_share.shown,
        "not_eligible": every.rejected_by_reason["not_eligible"].shown,
        "closed": every.closed.shown,
        "got_help": every.got_help.shown,
        "no_outcome": every.no_outcome.shown,
    }
    assert shown == {
        "sent": "23",
        "accepted": "hidden",
        "rejected": "<11",
        "answered": "hidden",
        "share": "hidden",
        "not_eligible": "<11",
        "closed": "23",
        "got_help": "hidden",  # 20 of the 23 closed: the 3 without an outcome are small
        "no_outcome": "<11",
    }
    exact = _measure(Scope(community=False, agency_id=world.agencies["lead"].pk)).referrals
    assert (exact.accepted.value, exact.rejected.value, exact.accepted_share.value) == (20, 3, 87)


def test_an_agencys_small_count_is_not_found_from_every_referrals(world: World) -> None:
    """15 to Harbor and 4 to North, every one accepted: North's 4 is "<11"; Harbor's 15
    would give it away (19 - 15), and Harbor's accepted would come back from Harbor's sent
    (its other parts are 0), so both of Harbor's are hidden; every referral's 19 is shown."""
    north = Agency.objects.create(name="North Clinic", agency_type=AgencyType.SERVICE_PROVIDER)
    _bulk(world, world.agencies["partner"], 15)
    _bulk(world, north, 4)
    measures = _measure(Scope(community=True))
    rows = {r.name: (r.sent.shown, r.accepted.shown) for r in measures.referrals_by_agency}
    assert rows == {"Harbor Counseling": ("hidden", "hidden"), "North Clinic": ("<11", "<11")}
    assert (measures.referrals.sent.shown, measures.referrals.accepted.shown) == ("19", "19")


# An independent check of the rule, on random tables: nothing from 1 to 10 hidden can be worked
# out exactly from what is shown (Gaussian elimination over the rationals, written apart from
# the module's), and in every sum the hidden parts add up to 0 or 11 or more.


def _fixed(equations: list[dict[str, int]], unknowns: list[str]) -> set[str]:
    rows = [[Fraction(eq.get(u, 0)) for u in unknowns] for eq in equations]
    pivots: list[int] = []
    r = 0
    for c in range(len(unknowns)):
        found = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if found is None:
            continue
        rows[r], rows[found] = rows[found], rows[r]
        rows[r] = [v / rows[r][c] for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][c] != 0:
                rows[i] = [a - rows[i][c] * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots.append(c)
        r += 1
    fixed = set()
    for i, c in enumerate(pivots):
        if all(v == 0 for j, v in enumerate(rows[i]) if j != c):
            fixed.add(unknowns[c])
    return fixed


@settings(max_examples=150, deadline=None)
@given(
    table=st.lists(
        st.lists(st.integers(min_value=0, max_value=25), min_size=3, max_size=3),
        min_size=1,
        max_size=5,
    )
)
def test_no_small_count_can_be_worked_out(table: list[list[int]]) -> None:
    """Rows of three parts and their total, and a row of totals of every column."""
    counts: dict[str, int] = {}
    sums: list[tuple[str, list[str]]] = []
    for r, numbers in enumerate(table):
        for c, n in enumerate(numbers):
            counts[f"{r}.{c}"] = n
        counts[f"{r}.t"] = sum(numbers)
        sums.append((f"{r}.t", [f"{r}.{c}" for c in range(3)]))
    for column in ("0", "1", "2", "t"):
        counts[f"all.{column}"] = sum(counts[f"{r}.{column}"] for r in range(len(table)))
        sums.append((f"all.{column}", [f"{r}.{column}" for r in range(len(table))]))
    shown = suppress_linked(counts, sums, suppress=True)
    hidden = [k for k, f in shown.items() if not f.exact]
    for key, figure in shown.items():
        assert figure.value in (None, counts[key])
        assert figure.shown != "hidden" or counts[key] > 0
    equations: list[dict[str, int]] = []
    for whole, parts in sums:
        eq: dict[str, int] = {whole: 1} if whole in hidden else {}
        for p in parts:
            if p in hidden:
                eq[p] = eq.get(p, 0) - 1
        if eq:
            equations.append(eq)
        in_hiding = sum(counts[p] for p in parts if p in hidden)
        assert in_hiding == 0 or in_hiding > figures.SMALL_COUNT_MAX or counts[whole] == in_hiding
    for key in _fixed(equations, hidden):
        assert not 1 <= counts[key] <= figures.SMALL_COUNT_MAX, key


def test_the_measures_cost_the_same_however_many_referrals(referrals: Referrals) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _measure(Scope(community=True))
            _measure(_lead(referrals), parse_period(month="2026-01"))
        return len(captured)

    before = queries()
    assert before == 2 * 2
    more = Agency.objects.create(name="South Shelter", agency_type=AgencyType.SERVICE_PROVIDER)
    _bulk(referrals.world, more, 30)
    _bulk(referrals.world, referrals.north, 12, status="rejected")
    assert queries() == before
    assert _measure(Scope(community=True)).referrals.sent.value == 9 + 42


# --- the page, the CSV, the API ---------------------------------------------------------------


def _names_and_ids(r: Referrals) -> list[str]:
    cases = [r.world.case, r.other_case]
    return [
        "Pérez",
        "Ana María",
        "Tala",
        "Casey",
        "Quinn",
        "A young person needs help",
        *(c.reference for c in cases),
        *(str(c.pk) for c in cases),
        *(str(c.survivor_id) for c in cases),
        *(str(pk) for pk in Referral.objects.values_list("pk", flat=True)),
    ]


def _assert_nobody_in(text: str, r: Referrals) -> None:
    for value in _names_and_ids(r):
        assert value not in text, value
    assert not re.search(r"\bAna\b", text)


def _row(page: str, testid: str, name: str) -> list[str]:
    table = page.split(f'data-testid="{testid}"')[1].split("</table>")[0]
    found = re.search(rf'<th scope="row">{re.escape(name)}</th>((?:<td[^>]*>[^<]*</td>)+)', table)
    assert found, (testid, name)
    return re.findall(r"<td[^>]*>([^<]*)</td>", found[1])


def _csv(client: Client, query: str = "") -> list[list[str]]:
    response = client.get(f"{URL}?format=csv{'&' + query if query else ''}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def _api(world: World, persona: str, query: str = "") -> tuple[int, dict]:
    _token, plain = create_token(actor=world.actor(persona), name="measures")
    response = Client().get(
        f"{API}{'?' + query if query else ''}", headers={"Authorization": f"Bearer {plain}"}
    )
    return response.status_code, response.json()


def test_the_url_and_the_link_from_the_measures(world: World) -> None:
    assert reverse("outcomes:referrals") == URL
    index = world.client_for("sam").get("/measures/").content.decode()
    assert f'href="{URL}"' in index


@pytest.mark.parametrize("persona", ["casey", "drew", "quinn", "cole", "jordan", "morgan"])
def test_roles_without_measures_are_refused(world: World, persona: str) -> None:
    client = world.client_for(persona)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}?format=csv").status_code == 403
    status, _body = _api(world, persona)
    assert status == 403
    assert not AuditEntry.objects.filter(action=AuditAction.MEASURES_VIEWED).exists()


def test_signed_out_is_sent_to_sign_in() -> None:
    assert Client().get(URL).status_code == 302
    assert Client().get(API).status_code == 401


def test_the_supervisors_page_csv_and_api_agree(referrals: Referrals) -> None:
    client = referrals.world.client_for("sam")
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="exact-counts"' in page
    assert 'data-testid="referral-scope"' in page
    answers = _row(page, "answers", "Every referral")
    assert answers == ["8", "4", "2", "1", "1", "67%"]
    assert _row(page, "times", "Every referral") == ["1.5", "4.0", "3", "3.0", "6.0"]
    assert _row(page, "outcomes", "Every referral") == ["6", "3", "2", "1", "83%"]
    assert _row(page, "reasons", "Every referral") == ["2", "1", "1", "0", "0"]
    assert _row(page, "answers", "North Clinic") == ["3", "2", "1", "0", "0", "67%"]
    assert _row(page, "answers", "No need named") == ["1", "1", "0", "0", "0", "100%"]
    assert _row(page, "inquiries", "Every capacity inquiry") == ["4", "1", "1", "1", "1", "50%"]

    rows = _csv(client)
    assert rows[0] == ["Section", "By", "Agency or need", "Figure", "Value"]
    assert ["About", "", "", "Times are in", "days of 24 hours"] in rows
    assert [r[4] for r in rows if r[0] == "Answers" and r[1] == "All"] == answers
    assert ["Answers", "Receiving agency", "North Clinic", "Acceptance rate", "67%"] in rows
    assert ["Answers", "Need", "Shelter and housing", "Sent", "4"] in rows
    assert [
        "Not accepted, by reason",
        "All",
        "Every referral",
        "No room or no openings",
        "1",
    ] in rows
    assert ["Capacity inquiries", "All", "Every capacity inquiry", "Said yes", "1"] in rows

    status, body = _api(referrals.world, "sam")
    assert status == 200
    assert (body["scope"], body["small_counts_hidden"], body["time_unit"]) == (
        "agency",
        False,
        "days",
    )
    every = body["referrals"]["all"]
    assert every["sent"] == {"value": 8, "shown": "8", "hidden": False}
    assert every["acceptance_percent"]["value"] == 67
    assert every["median_days_to_acceptance"]["value"] == 1.5
    assert every["p90_days_to_services_started"]["value"] == 6.0
    assert every["with_outcome_percent"]["value"] == 83
    assert every["not_accepted_by_reason"]["no_capacity"]["value"] == 1
    assert [a["agency"] for a in body["referrals"]["by_agency"]] == [
        "Harbor Counseling",
        "North Clinic",
    ]
    assert [n["need"] for n in body["referrals"]["by_need"]] == ["shelter", "mental_health", ""]
    assert body["capacity_inquiries"]["all"]["said_yes_percent"]["value"] == 50
    for text in (page, "\n".join(",".join(r) for r in rows), json.dumps(body, ensure_ascii=False)):
        _assert_nobody_in(text, referrals)


def test_the_analyst_sees_small_counts_hidden_everywhere(referrals: Referrals) -> None:
    client = referrals.world.client_for("avery")
    page = client.get(URL).content.decode()
    assert 'data-testid="suppression"' in page
    assert 'data-testid="referral-scope"' not in page
    assert _row(page, "answers", "Every referral")[0] == "&lt;11"
    rows = _csv(client)
    assert ["Answers", "All", "Every referral", "Sent", "<11"] in rows
    assert ["Answers", "All", "Every referral", "Acceptance rate", "hidden"] in rows
    assert ["About", "", "", "Small counts", "Counts from 1 to 10 are shown as <11"] in rows
    status, body = _api(referrals.world, "avery")
    assert status == 200
    assert (body["scope"], body["small_counts_hidden"]) == ("community", True)
    assert body["referrals"]["all"]["sent"] == {"value": None, "shown": "<11", "hidden": True}
    for text in (page, "\n".join(",".join(r) for r in rows), json.dumps(body, ensure_ascii=False)):
        _assert_nobody_in(text, referrals)


def test_community_figures_come_by_whole_months(referrals: Referrals) -> None:
    client = referrals.world.client_for("avery")
    page = client.get(f"{URL}?from=2026-01-01").content.decode()
    assert 'data-testid="period-problem"' in page
    status, _body = _api(referrals.world, "avery", "from=2026-01-01")
    assert status == 422
    status, body = _api(referrals.world, "avery", "month=2026-01")
    assert (status, body["period"]["key"]) == (200, "2026-01")


def test_a_period_on_the_page_csv_and_api(referrals: Referrals) -> None:
    client = referrals.world.client_for("sam")
    page = client.get(f"{URL}?month=2026-02").content.decode()
    assert _row(page, "answers", "Every referral")[0] == "1"
    assert "?month=2026-02&amp;format=csv" in page
    response = client.get(f"{URL}?from=2026-01-12&to=2026-01-12&format=csv")
    assert (
        'filename="measures-referrals-2026-01-12_to_2026-01-12.csv"'
        in (response["Content-Disposition"])
    )
    status, body = _api(referrals.world, "sam", "from=2026-01-12&to=2026-01-12")
    assert (status, body["referrals"]["all"]["sent"]["value"]) == (200, 2)
    bad = client.get(f"{URL}?month=2026-13&format=csv")
    assert bad["Content-Type"].startswith("text/html")
    assert 'data-testid="period-problem"' in bad.content.decode()
    status, _body = _api(referrals.world, "sam", "month=2026-13")
    assert status == 422


def test_each_look_is_audited_without_a_name(referrals: Referrals) -> None:
    referrals.world.client_for("sam").get(f"{URL}?month=2026-01")
    referrals.world.client_for("sam").get(f"{URL}?format=csv")
    _api(referrals.world, "avery")
    entries = list(AuditEntry.objects.filter(action=AuditAction.MEASURES_VIEWED))
    assert [e.detail for e in entries] == [
        {"measures": "referrals", "scope": "agency", "period": "2026-01", "as": "page"},
        {"measures": "referrals", "scope": "agency", "period": "all", "as": "csv"},
        {"measures": "referrals", "scope": "community", "period": "all", "as": "api"},
    ]
    assert all(e.survivor_id is None and e.case_id is None for e in entries)


def test_the_csv_guards_against_formulas(referrals: Referrals) -> None:
    Agency.objects.filter(pk=referrals.north.pk).update(name="=HYPERLINK(evil)")
    text = referrals.world.client_for("sam").get(f"{URL}?format=csv").content.decode()
    assert "'=HYPERLINK(evil)" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_page_csv_and_api_cost_the_same_however_many_referrals(referrals: Referrals) -> None:
    world = referrals.world
    _token, plain = create_token(actor=world.actor("avery"), name="measures")
    api = Client(headers={"Authorization": f"Bearer {plain}"})
    api.get(API)  # the token's first use is written down once
    clients = {who: world.client_for(who) for who in ("sam", "avery")}

    def costs() -> list[int]:
        found = []
        for client in clients.values():
            for url in (URL, f"{URL}?format=csv", f"{URL}?month=2026-01"):
                with CaptureQueriesContext(connection) as captured:
                    assert client.get(url).status_code == 200
                found.append(len(captured))
        with CaptureQueriesContext(connection) as captured:
            assert api.get(API).status_code == 200
        return [*found, len(captured)]

    few = costs()
    _bulk(world, referrals.north, 25)
    assert costs() == few
