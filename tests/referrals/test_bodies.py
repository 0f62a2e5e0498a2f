"""What a referral carries (queries.body_of): only what the survivor released to the reader's
agency, category by category, for each reader's role, read at the moment of reading; a
capacity inquiry carries nothing about the person; "do not reach out" withholds contact
whatever the release says; each read is audited with the categories shown, never their
content."""

from __future__ import annotations

import itertools
import json

import pytest

from continuum.access.policy import NotFound
from continuum.accounts.models import Role
from continuum.audit.models import AuditAction, AuditEntry
from continuum.cases.actions import remove_care_team_member
from continuum.cases.models import CareTeamMember, CareTeamRole
from continuum.directory.models import Attribute
from continuum.needs.models import Need
from continuum.referrals import actions, queries
from continuum.referrals.models import Referral, ReferralStatus
from continuum.survivors.actions import SurvivorDetails, revoke_release, update_survivor
from continuum.survivors.models import Release
from tests.api.world_api import api_as
from tests.needs.helpers import assess
from tests.personas import World, add_person, build_world, release_to_partner
from tests.referrals.helpers import listing, referral_world, sent, tag_terms

pytestmark = pytest.mark.django_db

PHONE = "(352) 555-0142"
DESCRIPTION = "weekly sessions with someone who knows trauma"
NOTE = "She prefers afternoon appointments after school."
CARRIED = ("identity", "contact", "needs")
# What each role may ever see of what a referral carries (access.categories.ROLE_CATEGORIES).
# Mia, Harbor's survivor-mentor, is not among them: her role sees no mental-health data, so
# this mental-health referral does not exist for her at all (test_a_mentor_taking_intake_...).
ROLE_SEES = {
    "ivy": {"identity", "contact", "needs"},  # case manager
    "pat": {"identity", "contact", "needs"},  # supervisor
    "drew": {"identity", "contact", "needs"},  # clinician
}
MARKERS = {"identity": "Ana", "contact": PHONE, "needs": NOTE}


def _world(**details: object) -> tuple[World, Referral]:
    """Ana, with a safe phone; her mental-health need described; a referral to Harbor sent
    under a release of identity, contact and needs (the helpers' default)."""
    world = build_world()
    update_survivor(
        actor=world.actor("casey"),
        survivor=world.survivor,
        details=SurvivorDetails(
            preferred_name="Ana",
            legal_given_name="Ana María",
            legal_family_name="Pérez",
            pronouns="she/her",
            safe_phone=PHONE,
            safe_to_call=True,
            safe_times="after 4pm",
        ),
        expected_version=world.survivor.version,
    )
    service, _need = referral_world(world)
    need = assess(world, "mental_health", description=DESCRIPTION)
    add_person(world, "mia", "partner", Role.SURVIVOR_MENTOR)
    return world, sent(world, service, need, note=NOTE, **details)


def _release_only(world: World, categories: set[str]) -> None:
    """Revoke every release to Harbor, then record one for exactly `categories`."""
    for release in Release.objects.filter(survivor=world.survivor, revoked_at__isnull=True):
        revoke_release(actor=world.actor("casey"), release=release)
    if categories:
        release_to_partner(world, categories)


def _read(world: World, username: str, referral: Referral) -> queries.Body:
    found = queries.referral_for(world.actor(username), referral.pk)
    return queries.body_of(world.actor(username), found)


RELEASES = [set(c) for n in range(4) for c in itertools.combinations(CARRIED, n)]


@pytest.mark.parametrize("released", RELEASES, ids=lambda r: "+".join(sorted(r)) or "none")
def test_each_reader_gets_only_what_is_released_to_their_agency_and_role(
    released: set[str],
) -> None:
    world, referral = _world()
    _release_only(world, released)
    for username, role_sees in ROLE_SEES.items():
        body = _read(world, username, referral)
        expected = [c for c in CARRIED if c in released & role_sees]
        assert body.shown == expected, username
        assert body.withheld == [c for c in CARRIED if c not in expected], username
        assert (body.identity is not None) == ("identity" in expected), username
        assert (body.contact is not None) == ("contact" in expected), username
        assert (body.need is not None) == ("needs" in expected), username
        text = json.dumps(vars(body), ensure_ascii=False, default=str)
        for category, marker in MARKERS.items():
            assert (marker in text) == (category in expected), (username, category)
        assert "Pérez" not in text or "identity" in expected
        # The case reference only with who they are released: it ties the referral to a
        # person's record (it used to travel with any released category: a phone number or
        # a need alone carried it too).
        assert (body.case_reference is not None) == ("identity" in expected), username


def test_the_sending_agency_reads_all_its_role_allows() -> None:
    world, referral = _world()
    _release_only(world, set())  # the releases are the receiver's business, not the sender's
    body = _read(world, "casey", referral)
    assert body.shown == ["identity", "contact", "needs"]
    assert body.identity is not None
    assert body.identity["name"] == "Ana"
    assert body.contact is not None
    assert body.contact["safe_phone"] == PHONE
    assert body.need is not None
    assert body.need["description"] == DESCRIPTION
    assert body.need["note"] == NOTE


def test_revoking_the_release_empties_the_body_at_once() -> None:
    world, referral = _world()
    before = _read(world, "ivy", referral)
    assert before.shown == ["identity", "contact", "needs"]
    revoke_release(actor=world.actor("casey"), release=Release.objects.get(survivor=world.survivor))
    after = _read(world, "ivy", referral)
    assert after.shown == []
    assert (after.identity, after.contact, after.need, after.case_reference) == (
        None,
        None,
        None,
        None,
    )
    # The referral itself stays in the queue: the provider still knows it was asked.
    assert list(queries.intake_queue(world.actor("ivy"))) == [referral]


def test_a_needs_release_carries_the_note_not_a_mental_health_description() -> None:
    """The need's description is mental-health data (its domain's kind), as on the needs
    pages: a release of "needs" carries the referral's note, not the description."""
    world, referral = _world()
    body = _read(world, "ivy", referral)
    assert body.need is not None
    assert body.need["note"] == NOTE
    assert body.need["description"] == ""
    # Nor its name, nor its urgency: which need it is is mental-health data too.
    assert (body.need["domain"], body.need["urgency"]) == ("", "")
    assert "Mental health" not in json.dumps(vars(body), default=str)
    release_to_partner(world, {"mental_health"})
    body = _read(world, "ivy", referral)
    assert body.need is not None
    assert body.need["description"] == DESCRIPTION
    assert body.need["domain"] == "Mental health services"


def test_do_not_reach_out_withholds_contact_even_when_released() -> None:
    world, referral = _world(provider_may_contact=False)
    for username in ("ivy", "drew", "pat"):
        body = _read(world, username, referral)
        assert body.do_not_reach_out
        assert body.contact is None
        assert "contact" in body.withheld
        assert PHONE not in json.dumps(vars(body), default=str)
    # The referral itself carries no contact, for the sender too (who has the survivor's
    # page for that): what it shows the sender is what it carries.
    assert _read(world, "casey", referral).contact is None


def test_a_capacity_inquiry_carries_no_person_and_no_case() -> None:
    world, referral = _world()
    service = referral.service
    assert service is not None
    inquiry = actions.send_capacity_inquiry(
        actor=world.actor("casey"),
        case=world.case,
        service=service,
        need=referral.need,
        age=15,
        gender_words="girl",
        urgent=True,
    )
    # (Mia, a survivor-mentor, does not see an inquiry about a mental-health need at all.)
    with pytest.raises(NotFound):
        queries.referral_for(world.actor("mia"), inquiry.pk)
    for username in ("ivy", "pat", "drew", "casey"):
        body = _read(world, username, inquiry)
        assert body.kind == "capacity_inquiry"
        assert body.inquiry_text.startswith("A 15-year-old girl needs")
        assert (body.case_reference, body.identity, body.contact, body.need) == (
            None,
            None,
            None,
            None,
        )
        assert body.shown == []
        text = json.dumps(vars(body), default=str, ensure_ascii=False)
        for marker in (*MARKERS.values(), world.case.reference, DESCRIPTION):
            assert marker not in text
    # Nor does its audit entry tie the receiver's read to the survivor.
    entry = AuditEntry.objects.filter(
        action=AuditAction.REFERRAL_VIEWED, object_id=str(inquiry.pk)
    ).last()
    assert entry is not None
    assert entry.survivor_id is None


def test_each_read_is_audited_with_its_categories_and_no_content() -> None:
    world, referral = _world()
    _release_only(world, {"identity", "needs"})
    before = AuditEntry.objects.filter(action=AuditAction.REFERRAL_VIEWED).count()
    _read(world, "ivy", referral)
    _release_only(world, {"identity"})
    _read(world, "drew", referral)
    entries = list(
        AuditEntry.objects.filter(action=AuditAction.REFERRAL_VIEWED).order_by("sequence")[before:]
    )
    assert [e.detail for e in entries] == [
        {"categories": ["identity", "needs"], "side": "receiver"},
        {"categories": ["identity"], "side": "receiver"},
    ]
    assert all(e.survivor_id == world.survivor.pk for e in entries)
    text = json.dumps([e.detail for e in entries], ensure_ascii=False)
    for marker in (*MARKERS.values(), DESCRIPTION, "Pérez"):
        assert marker not in text


def test_a_referral_is_not_there_for_readers_on_neither_side() -> None:
    world, referral = _world()
    add_person(world, "gus2", "partner", Role.AGENCY_ADMIN)
    for username in ("quinn", "morgan", "cole", "jordan", "avery", "gus2"):
        with pytest.raises(NotFound):
            queries.referral_for(world.actor(username), referral.pk)


def test_a_draft_is_not_in_the_receivers_queue() -> None:
    world, referral = _world()
    draft = actions.draft_referral(
        actor=world.actor("casey"),
        case=world.case,
        details=actions.ReferralDetails(service=referral.service, need=referral.need),  # type: ignore[arg-type]
    )
    with pytest.raises(NotFound):
        queries.referral_for(world.actor("ivy"), draft.pk)
    assert draft not in list(queries.intake_queue(world.actor("ivy")))


def test_the_sending_agency_sees_a_referral_only_if_its_role_sees_the_need() -> None:
    """A mentor named on the case does not learn that a mental-health referral exists (the
    timeline does not name its provider either); a clinician on the case does."""
    world, referral = _world()
    add_person(world, "milo", "lead", Role.SURVIVOR_MENTOR, on_team_as=CareTeamRole.SURVIVOR_MENTOR)
    add_person(world, "lena", "lead", Role.CLINICIAN, on_team_as=CareTeamRole.CLINICIAN)
    with pytest.raises(NotFound):
        queries.referral_for(world.actor("milo"), referral.pk)
    assert list(queries.referrals_of_case(world.actor("milo"), world.case.pk)) == []
    assert list(queries.sent_by(world.actor("milo"))) == []
    body = _read(world, "lena", referral)
    assert body.need is not None
    # A referral for no need to a mental-health service is mental-health data all the same
    # (it used to be visible to them: the need was all that decided).
    Referral.objects.filter(pk=referral.pk).update(domain_code="", need=None)
    with pytest.raises(NotFound):
        queries.referral_for(world.actor("milo"), referral.pk)
    # A referral for no need to a service of a kind the mentor may know of stays visible.
    assert referral.service is not None
    Attribute.objects.filter(link_id=referral.service.pk).delete()
    tag_terms(referral.service, "1121")  # emergency shelter
    assert queries.referral_for(world.actor("milo"), referral.pk) == referral


def test_need_to_refer_finds_only_needs_the_reader_may_see() -> None:
    world, referral = _world()
    need = referral.need
    assert need is not None
    assert queries.need_to_refer(world.actor("casey"), need.pk) == need
    for username in ("quinn", "cole", "drew"):
        with pytest.raises(NotFound):
            queries.need_to_refer(world.actor(username), need.pk)
    assert Need.objects.filter(pk=need.pk).exists()


# --- who at the receiving agency sees which kinds (queries.intake_queue) --------------------


def test_a_mentor_taking_intake_never_learns_of_a_mental_health_referral() -> None:
    """Mia, Harbor's survivor-mentor, takes intake but her role sees no mental-health data:
    the referral is not in her queue (page, API, My work) and does not open by id (404), as
    on the sending side. Harbor's case manager and clinician see it."""
    world, referral = _world()
    mia = world.actor("mia")
    assert list(queries.intake_queue(mia)) == []
    assert queries.queue_in_order(mia, referral.created_at.date()) == []
    assert queries.referral_work(mia).waiting == 0
    with pytest.raises(NotFound):
        queries.referral_for(mia, referral.pk)
    client = world.client_for("mia")
    assert client.get(f"/referrals/{referral.pk}/").status_code == 404
    assert client.get(f"/referrals/{referral.pk}/fhir.json").status_code == 404
    assert world.client_for("ivy").get(f"/referrals/{referral.pk}/fhir.json").status_code == 200
    assert world.case.reference not in client.get("/referrals/intake/").content.decode()
    api = api_as(world, "mia")
    assert api.get("/referrals/intake").json() == []
    assert api.get(f"/referrals/{referral.pk}").status_code == 404
    for username in ("ivy", "drew"):
        assert list(queries.intake_queue(world.actor(username))) == [referral]


def test_a_mentor_taking_intake_sees_the_kinds_her_role_sees() -> None:
    """The rule is the role's kinds, not "never for a mentor": a court-accompaniment
    referral (legal data, which a mentor sees) is in her queue, with what her role may read."""
    world, _referral = _world()
    court = listing(world, name="Court companions", terms=("1375",))
    need = assess(world, "court_advocacy")
    legal = sent(world, court, need)
    mia = world.actor("mia")
    assert list(queries.intake_queue(mia)) == [legal]
    body = _read(world, "mia", legal)
    assert body.shown == ["identity", "contact"]


# --- while the receiver works on it (queries.categories_for_reader) -------------------------


def _off_the_team(world: World) -> None:
    """Harbor leaves the care team (every one of its members)."""
    for member in CareTeamMember.objects.filter(
        case=world.case, agency=world.agencies["partner"], removed_at__isnull=True
    ):
        remove_care_team_member(actor=world.actor("casey"), member=member)


def _assert_minimum(world: World, username: str, referral: Referral, status: str) -> None:
    """What the receiver reads of a referral it no longer works on: its state, dates and
    reason, nothing about the person (page, API and the body itself)."""
    body = _read(world, username, referral)
    assert body.shown == []
    assert (body.case_reference, body.identity, body.contact, body.need) == (None,) * 4
    page = world.client_for(username).get(f"/referrals/{referral.pk}/")
    assert page.status_code == 200
    detail = api_as(world, username).get(f"/referrals/{referral.pk}")
    assert detail.status_code == 200
    out = detail.json()
    assert out["status"] == status
    assert (out["case_id"], out["case_reference"]) == (None, None)
    assert out["body"]["shown"] == []
    for text in (page.content.decode(), json.dumps(out, ensure_ascii=False)):
        for private in (*MARKERS.values(), world.case.reference, "Pérez", "after 4pm"):
            assert private not in text, (username, private)


@pytest.mark.parametrize(
    ("who", "to", "reason"),
    [("ivy", "rejected", "no_capacity"), ("casey", "cancelled", "no_longer_needed")],
)
def test_a_referral_turned_down_or_cancelled_keeps_only_the_minimum(
    who: str, to: str, reason: str
) -> None:
    """The release still stands, but a provider that turned the referral down (or saw it
    cancelled) and is not on the care team has no reason left to read who it was for: it
    used to read the whole body for as long as the release stood."""
    world, referral = _world()
    _off_the_team(world)  # Drew's clinic: Harbor was on the team before the referral
    assert _read(world, "ivy", referral).shown == ["identity", "contact", "needs"]
    moved = actions.move_referral(
        actor=world.actor(who), referral=referral, to=ReferralStatus(to), reason=reason
    )
    for username in ("ivy", "pat", "drew"):
        _assert_minimum(world, username, moved, to)
    # The sending agency reads it all, as before.
    assert _read(world, "casey", moved).shown == ["identity", "contact", "needs"]
    # Entered in error: not even the minimum (it should never have existed for them).
    other = sent(world, referral.service, referral.need)  # type: ignore[arg-type]
    actions.move_referral(
        actor=world.actor("casey"), referral=other, to=ReferralStatus.ENTERED_IN_ERROR
    )
    with pytest.raises(NotFound):
        queries.referral_for(world.actor("ivy"), other.pk)


def test_a_provider_on_the_care_team_reads_on_and_stops_when_it_leaves() -> None:
    """Accepted, done and closed: the provider is on the care team (accepting put it there),
    so it reads on; taken off the team, it keeps only the minimum at once."""
    world, referral = _world()
    ivy = world.actor("ivy")
    for to in (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS):
        referral = actions.move_referral(actor=ivy, referral=referral, to=to)
    referral = actions.move_referral(
        actor=ivy, referral=referral, to=ReferralStatus.COMPLETED, outcome="got_help"
    )
    assert _read(world, "ivy", referral).shown == ["identity", "contact", "needs"]
    _off_the_team(world)
    _assert_minimum(world, "ivy", referral, "completed")
    # Open again for them (on hold is open): a referral still being worked on is read.
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.ON_HOLD)
    assert _read(world, "ivy", referral).shown == ["identity", "contact", "needs"]


def test_the_case_reference_goes_with_identity_only() -> None:
    """A release of contact (or needs) alone does not tell the provider which case it is."""
    world, referral = _world()
    for released in ({"contact"}, {"needs"}):
        _release_only(world, released)
        page = world.client_for("ivy").get(f"/referrals/{referral.pk}/").content.decode()
        assert world.case.reference not in page
        out = api_as(world, "ivy").get(f"/referrals/{referral.pk}").json()
        assert out["body"]["case_reference"] is None
        assert out["case_reference"] is None
        assert world.case.reference not in json.dumps(out)
    _release_only(world, {"identity"})
    out = api_as(world, "ivy").get(f"/referrals/{referral.pk}").json()
    assert out["body"]["case_reference"] == world.case.reference
