"""What a referral writes on the case timeline, which more people read than may see the needs
(a mentor on the case, another agency on the care team): for a referral about health,
mental health or substance use — by its need, or by the service's own terms when it has no
need or a need of another kind — neither the need, nor the service, nor the provider; not
even "a health need". Who may see the need reads the rest on the referral itself."""

from __future__ import annotations

import pytest
from django.urls import reverse

from continuum.accounts.models import Role
from continuum.cases.models import CareTeamRole, CaseEvent, EventKind
from continuum.cases.queries import name_quiet_members
from continuum.referrals import actions, queries
from continuum.referrals.models import Referral, ReferralStatus
from tests.api.world_api import api_as
from tests.needs.helpers import assess
from tests.personas import World, add_person, build_world, release_to_partner
from tests.referrals.helpers import intake_staff, listing, referral_world, sent

pytestmark = pytest.mark.django_db

# A sensitive need, the Open Eligibility term of a service that meets it, and words that
# would give it away.
SENSITIVE = [
    ("medical", "1206", "Harbor Clinic", ("health", "medical")),
    ("mental_health", "1220", "Trauma-focused therapy", ("health", "mental")),
    ("substance_use", "1180", "Harbor Detox", ("substance", "detox")),
]


def _lines(world: World, since: int = 0) -> list[str]:
    """The referral and care-team lines of the case timeline, oldest first."""
    return list(
        CaseEvent.objects.filter(
            case=world.case,
            kind__in=[EventKind.REFERRAL, EventKind.TEAM_MEMBER_ADDED],
            pk__gt=since,
        )
        .order_by("pk")
        .values_list("summary", flat=True)
    )


def _close_the_loop(world: World, referral: Referral) -> None:
    ivy = world.actor("ivy")
    for to in (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS):
        referral = actions.move_referral(actor=ivy, referral=referral, to=to)
    actions.move_referral(
        actor=ivy, referral=referral, to=ReferralStatus.COMPLETED, outcome="got_help"
    )


def _last_event(world: World) -> int:
    return CaseEvent.objects.filter(case=world.case).order_by("-pk").values_list("pk", flat=True)[0]


@pytest.mark.parametrize(
    ("domain", "term", "service_name", "giveaways"), SENSITIVE, ids=[s[0] for s in SENSITIVE]
)
def test_a_sensitive_referral_names_neither_its_need_nor_its_provider(
    domain: str, term: str, service_name: str, giveaways: tuple[str, ...]
) -> None:
    """Sent, accepted (the provider joins the care team), started, completed: every line
    says what happened and nothing of what for or where. They used to say "Referral for a
    health need", and the care team line named the provider."""
    world = build_world()
    referral_world(world)
    service = listing(world, name=service_name, terms=(term,))
    need = assess(world, domain)
    since = _last_event(world)
    _close_the_loop(world, sent(world, service, need))
    lines = _lines(world, since)
    assert lines == [
        "Referral: sent",
        "An agency joined the care team as service provider",
        "Referral: accepted",
        "Referral: services started",
        "Referral: completed: got help",
    ]
    text = " ".join(lines).lower()
    for giveaway in (*giveaways, "harbor", service_name.lower(), "need"):
        assert giveaway not in text, giveaway


def test_an_ordinary_referral_still_says_where_it_went() -> None:
    """A shelter referral names the shelter and its agency, as before: only the protected
    kinds are kept off the timeline."""
    world = build_world()
    intake_staff(world)
    release_to_partner(world, {"identity"})
    shelter = listing(world, name="Harbor Youth Shelter", terms=("1121",))
    since = _last_event(world)
    _close_the_loop(world, sent(world, shelter, assess(world, "shelter")))
    lines = _lines(world, since)
    assert lines[0] == "Referral to Harbor Youth Shelter (Harbor Counseling): sent"
    assert "Harbor Counseling joined the care team as service provider" in lines


def test_a_shelter_need_sent_to_a_treatment_programme_is_kept_quiet_too() -> None:
    """The service's own terms count: a shelter need sent to a residential programme also
    tagged for substance-use treatment is a substance-use referral on the timeline."""
    world = build_world()
    referral_world(world)
    programme = listing(world, name="Harbor Recovery House", terms=("1152", "1182"))
    since = _last_event(world)
    sent(world, programme, assess(world, "shelter"))
    assert _lines(world, since) == ["Referral: sent"]


def test_a_referral_with_no_need_follows_the_service_through_the_api() -> None:
    """The API accepts a referral with no need (the pages always start from one): to a detox
    programme it is substance-use data all the same. It used to be named on the timeline,
    and to be seen by a mentor on either side (a need was all that decided)."""
    world = build_world()
    referral_world(world)
    add_person(world, "milo", "lead", Role.SURVIVOR_MENTOR, on_team_as=CareTeamRole.SURVIVOR_MENTOR)
    add_person(world, "mia", "partner", Role.SURVIVOR_MENTOR)
    detox = listing(world, name="Harbor Detox", terms=("1180",))
    since = _last_event(world)
    response = api_as(world, "casey").post(
        "/referrals", {"case_id": str(world.case.pk), "service_id": str(detox.pk)}
    )
    assert response.status_code == 201, response.json()
    referral_id = response.json()["id"]
    assert response.json()["need_domain"] is None
    assert _lines(world, since) == ["Referral: sent"]
    # Neither mentor learns it exists: not on the case's referrals, not in the queue.
    assert list(queries.referrals_of_case(world.actor("milo"), world.case.pk)) == []
    assert api_as(world, "mia").get("/referrals/intake").json() == []
    assert api_as(world, "mia").get(f"/referrals/{referral_id}").status_code == 404
    # Those whose role sees substance use do (the release decides what they read).
    assert [str(r.pk) for r in queries.referrals_of_case(world.actor("casey"), world.case.pk)] == [
        referral_id
    ]
    assert [r["id"] for r in api_as(world, "ivy").get("/referrals/intake").json()] == [referral_id]


def test_who_answered_a_sensitive_referral_is_not_on_the_timeline() -> None:
    """The by-line would name the provider ("— Ivy, Harbor Counseling"): on the case page and
    in the API it reads "an agency on the care team" / null; the referral's own history
    (access-checked) keeps who it was. The sender's own lines keep their by-line."""
    world = build_world()
    referral_world(world)
    service = listing(world, name="Harbor Detox", terms=("1180",))
    since = _last_event(world)
    _close_the_loop(world, sent(world, service, assess(world, "substance_use")))
    events = CaseEvent.objects.filter(case=world.case, pk__gt=since).order_by("pk")
    kinds = (EventKind.REFERRAL, EventKind.TEAM_MEMBER_ADDED)
    assert [(e.summary, e.author_withheld) for e in events if e.kind in kinds] == [
        ("Referral: sent", False),
        ("An agency joined the care team as service provider", True),
        ("Referral: accepted", True),
        ("Referral: services started", True),
        ("Referral: completed: got help", True),
    ]
    page = world.client_for("casey").get(reverse("survivors:detail", args=[world.survivor.pk]))
    body = page.content.decode()
    assert "an agency on the care team" in body
    assert "Ivy" not in body
    timeline = api_as(world, "casey").get(f"/cases/{world.case.pk}/timeline").json()
    answered = [e for e in timeline if e["summary"] == "Referral: accepted"]
    assert answered[0]["by_user"] is None
    assert answered[0]["by_agency"] is None
    sent_line = next(e for e in timeline if e["summary"] == "Referral: sent")
    assert sent_line["by_agency"]["name"] == world.agencies["lead"].name


def test_the_care_team_names_a_sensitive_provider_only_to_those_who_may_know() -> None:
    """Accepting a substance-use referral puts the provider on the care team: a mentor on
    the case, whose role does not see substance-use data, reads "An agency — service
    provider" on the case page, the care-team page and in the API; the provider's own
    staff read its name; its leaving the team is quiet too (review finding)."""
    from tests.api.world_api import with_mentor

    world = build_world()
    referral_world(world)
    mentor = with_mentor(world)
    service = listing(world, name="Harbor Detox", terms=("1180",))
    referral = sent(world, service, assess(world, "substance_use"))
    actions.move_referral(actor=world.actor("ivy"), referral=referral, to=ReferralStatus.ACCEPTED)
    page = world.client_for(mentor).get(reverse("survivors:detail", args=[world.survivor.pk]))
    body = page.content.decode()
    assert "An agency — Service provider" in body
    assert "Harbor Counseling — Service provider" not in body
    team_page = world.client_for(mentor).get(reverse("cases:care_team", args=[world.case.pk]))
    team = team_page.content.decode()
    assert "An agency (what it provides is not shared with you)</td><td>Service provider" in team
    assert "Harbor Counseling</td><td>Service provider" not in team
    answer = api_as(world, mentor).get(f"/cases/{world.case.pk}")
    assert answer.status_code == 200, answer.json()
    case = answer.json()
    [provider] = [m for m in case["care_team"] if m["role"] == "service_provider"]
    assert (provider["agency"], provider["user"]) == (None, None)
    # Its own staff, and a reader who may see substance-use data, are told.
    members = list(world.case.care_team.filter(role=CareTeamRole.SERVICE_PROVIDER))
    name_quiet_members(world.actor("ivy"), members, frozenset())
    assert not members[0].agency_hidden
    name_quiet_members(world.actor(mentor), members, frozenset({"substance_use"}))
    assert not members[0].agency_hidden
    name_quiet_members(world.actor(mentor), members, frozenset({"mental_health"}))
    assert members[0].agency_hidden
