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
from continuum.cases.models import CareTeamRole
from continuum.needs.models import Need
from continuum.referrals import actions, queries
from continuum.referrals.models import Referral
from continuum.survivors.actions import SurvivorDetails, revoke_release, update_survivor
from continuum.survivors.models import Release
from tests.needs.helpers import assess
from tests.personas import World, add_person, build_world, release_to_partner
from tests.referrals.helpers import referral_world, sent

pytestmark = pytest.mark.django_db

PHONE = "(352) 555-0142"
DESCRIPTION = "weekly sessions with someone who knows trauma"
NOTE = "She prefers afternoon appointments after school."
CARRIED = ("identity", "contact", "needs")
# What each role may ever see of what a referral carries (access.categories.ROLE_CATEGORIES).
ROLE_SEES = {
    "ivy": {"identity", "contact", "needs"},  # case manager
    "pat": {"identity", "contact", "needs"},  # supervisor
    "drew": {"identity", "contact", "needs"},  # clinician
    "mia": {"identity", "contact"},  # survivor-mentor: never the needs assessment
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
        # The case reference only with something released: it ties the referral to a case.
        assert (body.case_reference is not None) == bool(expected), username


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
    release_to_partner(world, {"mental_health"})
    body = _read(world, "ivy", referral)
    assert body.need is not None
    assert body.need["description"] == DESCRIPTION


def test_do_not_reach_out_withholds_contact_even_when_released() -> None:
    world, referral = _world(provider_may_contact=False)
    for username in ("ivy", "drew", "pat", "mia"):
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
    for username in ("ivy", "pat", "drew", "mia", "casey"):
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
    _read(world, "mia", referral)
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
    # A referral for no need (or a need of a kind the mentor sees) stays visible to them.
    Referral.objects.filter(pk=referral.pk).update(domain_code="")
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
