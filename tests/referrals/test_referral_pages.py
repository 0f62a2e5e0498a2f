"""The referral pages: a new referral (and the capacity inquiry offered without a release),
the referral's page for each side with its moves, the intake queue, the sent list, the
referrals on the case page and on My work; refusals, bad input, stale versions, and query
counts that do not grow with the number of referrals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from continuum.audit.models import AuditAction, AuditEntry
from continuum.cases.models import CaseEvent
from continuum.directory.models import Service
from continuum.needs.models import Need
from continuum.referrals import actions
from continuum.referrals.models import Referral, ReferralStatus
from continuum.survivors.actions import revoke_release
from continuum.survivors.models import Release
from tests.personas import World, build_world
from tests.referrals.helpers import referral_world, sent

pytestmark = pytest.mark.django_db

NEW = "/referrals/new/"
INQUIRY = "/referrals/new/inquiry/"
S = ReferralStatus


@pytest.fixture
def setup() -> tuple[World, Service, Need]:
    world = build_world()
    service, need = referral_world(world)
    return world, service, need


def _ids(service: Service, need: Need) -> dict[str, str]:
    return {"service": str(service.pk), "need": str(need.pk)}


def _page(world: World, username: str, referral: Referral) -> Any:
    return world.client_for(username).get(f"/referrals/{referral.pk}/")


def _move(world: World, username: str, referral: Referral, **data: Any) -> Any:
    data.setdefault("version", Referral.objects.get(pk=referral.pk).version)
    to = data["to"]
    posted = {"to": to}
    for key in ("reason", "outcome", "version"):
        if key in data:
            posted[f"move-{to}-{key}"] = data[key]
    return world.client_for(username).post(f"/referrals/{referral.pk}/move/", posted)


# --- a new referral -------------------------------------------------------------------------


def test_the_new_referral_page_says_what_will_go_and_where(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    response = world.client_for("casey").get(NEW, _ids(service, need))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Trauma-focused therapy for teens" in page
    assert "Harbor Counseling" in page
    assert "who they are, how to reach them safely, the need, and your note" in page
    assert "Will not carry:</strong> nothing left out" in page
    assert "does not want the provider to contact them directly" in page
    assert 'value="send"' in page
    assert 'value="draft"' in page


def test_the_matching_page_posts_only_the_ids(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    response = world.client_for("casey").post(NEW, _ids(service, need))
    assert response.status_code == 200
    assert not Referral.objects.exists()
    assert 'name="note"' in response.content.decode()


def test_sending_a_referral(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    response = world.client_for("casey").post(
        NEW,
        {
            **_ids(service, need),
            "action": "send",
            "do_not_reach_out": "on",
            "urgent": "on",
            "note": "  Afternoons are best.  ",
        },
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{referral.pk}/"
    assert (referral.status, referral.provider_may_contact, referral.urgent, referral.note) == (
        S.REQUESTED,
        False,
        True,
        "Afternoons are best.",
    )


def test_saving_a_draft_and_sending_it_later(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    client = world.client_for("casey")
    client.post(NEW, {**_ids(service, need), "action": "draft", "note": "Later."})
    draft = Referral.objects.get()
    assert draft.status == S.DRAFT
    page = _page(world, "casey", draft).content.decode()
    assert "Send it" in page
    assert _move(world, "casey", draft, to="requested").status_code == 302
    assert Referral.objects.get().status == S.REQUESTED


def test_without_a_release_the_page_explains_and_offers_an_inquiry() -> None:
    world = build_world()
    service, need = referral_world(world, release=set())
    client = world.client_for("casey")
    page = client.get(NEW, _ids(service, need)).content.decode()
    assert "No release lets you tell Harbor Counseling who this young person is" in page
    assert f"{INQUIRY}?service={service.pk}&amp;need={need.pk}" in page
    assert 'value="send"' not in page
    assert "Will carry:</strong> nothing about the young person" in page
    response = client.post(NEW, {**_ids(service, need), "action": "send"})
    assert response.status_code == 422
    assert not Referral.objects.exists()


def test_a_capacity_inquiry_shows_its_exact_message_before_it_goes() -> None:
    world = build_world()
    service, need = referral_world(world, release=set())
    client = world.client_for("casey")
    page = client.get(INQUIRY, _ids(service, need)).content.decode()
    age = world.survivor.age_on(timezone.localdate())
    assert f'value="{age}"' in page  # the age comes filled in; the name never
    facts = {**_ids(service, need), "age": "16", "gender_words": "girl", "urgent": "on"}
    preview = client.post(INQUIRY, {**facts, "action": "preview"})
    assert preview.status_code == 200
    message = "A 16-year-old girl needs mental health services today. Could you take them?"
    assert message in preview.content.decode()
    assert not Referral.objects.exists()
    response = client.post(INQUIRY, {**facts, "action": "send"})
    inquiry = Referral.objects.get()
    assert response.status_code == 302
    assert (inquiry.kind, inquiry.inquiry_text, inquiry.status) == (
        "capacity_inquiry",
        message,
        S.REQUESTED,
    )
    assert "Ana" not in preview.content.decode().split("<main", 1)[1]


def test_an_inquiry_with_an_impossible_age_keeps_what_was_typed() -> None:
    world = build_world()
    service, need = referral_world(world, release=set())
    response = world.client_for("casey").post(
        INQUIRY, {**_ids(service, need), "age": "45", "gender_words": "boy", "action": "preview"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'value="45"' in page
    assert '<option value="boy" selected>' in page


def test_a_note_too_long_is_refused_and_kept(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    note = "x" * 2001
    response = world.client_for("casey").post(
        NEW, {**_ids(service, need), "action": "send", "note": note, "urgent": "on"}
    )
    assert response.status_code == 422
    assert note in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({}, 400),
        ({"service": "not-an-id", "need": "also-not"}, 400),
        ({"service": "00000000-0000-0000-0000-000000000000"}, 400),
    ],
)
def test_a_new_referral_without_usable_ids_is_a_bad_request(
    setup: tuple[World, Service, Need], query: dict[str, str], status: int
) -> None:
    world, _service, _need = setup
    assert world.client_for("casey").get(NEW, query).status_code == status


def test_unknown_ids_are_not_found(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    client = world.client_for("casey")
    nobody = "00000000-0000-0000-0000-000000000000"
    assert client.get(NEW, {"service": str(service.pk), "need": nobody}).status_code == 404
    assert client.get(NEW, {"service": nobody, "need": str(need.pk)}).status_code == 404


@pytest.mark.parametrize(
    ("username", "status"),
    [("sam", 200), ("cole", 404), ("quinn", 404), ("drew", 403), ("jordan", 403), ("ivy", 404)],
)
def test_who_may_start_a_referral(
    setup: tuple[World, Service, Need], username: str, status: int
) -> None:
    world, service, need = setup
    response = world.client_for(username).get(NEW, _ids(service, need))
    assert response.status_code == status
    assert "Pérez" not in response.content.decode()
    inquiry = world.client_for(username).get(INQUIRY, _ids(service, need))
    assert inquiry.status_code == status


def test_an_inactive_service_is_explained_not_offered(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    Service.objects.filter(pk=service.pk).update(status="inactive")
    client = world.client_for("casey")
    page = client.get(NEW, _ids(service, need)).content.decode()
    assert "is not taking referrals" in page
    assert 'value="send"' not in page
    response = client.post(NEW, {**_ids(service, need), "action": "send"})
    assert response.status_code == 422
    inquiry = client.post(INQUIRY, {**_ids(service, need), "action": "send", "gender_words": "boy"})
    assert inquiry.status_code == 422
    assert not Referral.objects.exists()


# --- the referral's page --------------------------------------------------------------------


def test_the_receiver_sees_do_not_reach_out_and_the_answers_it_may_give(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    referral = sent(world, service, need, provider_may_contact=False, note="Afternoons.")
    page = _page(world, "ivy", referral).content.decode()
    assert "Do not contact them directly; contact the case manager at Lead Family Services" in page
    assert 'data-testid="move-accepted"' in page
    assert 'data-testid="move-rejected"' in page
    assert "No room or no openings" in page  # a reason to choose when not accepting
    assert 'data-testid="move-cancelled"' not in page
    assert "Afternoons." in page
    assert "Safe ways to reach them" not in page


def test_the_sender_sees_what_the_referral_carries_now_and_its_own_moves(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    page = _page(world, "casey", referral).content.decode()
    assert 'data-testid="move-cancelled"' in page
    assert 'data-testid="move-entered-in-error"' in page
    assert 'data-testid="move-accepted"' not in page
    assert "Do not contact them directly" not in page
    assert "Will carry:</strong> who they are, how to reach them safely" in page
    assert 'data-testid="answer-due"' in page
    assert 'data-testid="overdue"' not in page
    revoke_release(actor=world.actor("casey"), release=Release.objects.get(survivor=world.survivor))
    page = _page(world, "casey", referral).content.decode()
    assert "Will carry:</strong> nothing about the young person" in page


def test_an_unanswered_referral_past_its_day_is_marked_overdue(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    Referral.objects.filter(pk=referral.pk).update(
        response_due_on=timezone.localdate() - timedelta(days=1)
    )
    for username in ("casey", "ivy"):
        assert 'data-testid="overdue"' in _page(world, username, referral).content.decode()


@pytest.mark.parametrize("username", ["quinn", "morgan", "cole", "gus", "jordan", "avery"])
def test_neither_side_gets_a_404(setup: tuple[World, Service, Need], username: str) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    client = world.client_for(username)
    for path in ("", "fhir.json"):
        response = client.get(f"/referrals/{referral.pk}/{path}")
        assert response.status_code == 404
        assert "Pérez" not in response.content.decode()
    assert _move(world, username, referral, to="accepted", version=1).status_code == 404


def test_the_loop_closes_through_the_pages(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    assert _move(world, "ivy", referral, to="accepted").status_code == 302
    assert _move(world, "ivy", referral, to="in-progress").status_code == 302
    response = _move(world, "ivy", referral, to="completed", outcome="got_help")
    assert response.status_code == 302
    done = Referral.objects.get(pk=referral.pk)
    assert (done.status, done.outcome) == (S.COMPLETED, "got_help")
    assert Need.objects.get(pk=need.pk).status == "met"
    summaries = CaseEvent.objects.filter(case=world.case, kind="referral")
    assert any("got help" in e.summary for e in summaries)
    page = _page(world, "casey", referral).content.decode()
    assert 'data-testid="referral-outcome">Got help' in page
    assert 'data-testid="record-outcome"' in page  # either side may correct it later


def test_a_missing_reason_is_asked_for_and_nothing_changes(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    response = _move(world, "ivy", referral, to="rejected")
    assert response.status_code == 422
    assert "Say why." in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).status == S.REQUESTED


def test_a_stale_answer_is_a_conflict_and_nothing_is_lost(
    setup: tuple[World, Service, Need],
) -> None:
    """Casey cancels from the page she loaded while Ivy accepted: 409, the page shows the
    referral as it is now, with Casey's chosen reason still chosen, against the new version."""
    world, service, need = setup
    referral = sent(world, service, need)
    seen = referral.version
    actions.move_referral(actor=world.actor("ivy"), referral=referral, to=S.ACCEPTED)
    response = _move(world, "casey", referral, to="cancelled", reason="declined", version=seen)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this referral" in page
    assert 'data-testid="referral-status">Accepted' in page
    assert '<option value="declined" selected>' in page
    assert f'name="move-cancelled-version" value="{seen + 1}"' in page
    assert Referral.objects.get(pk=referral.pk).status == S.ACCEPTED


def test_a_stale_answer_to_a_move_no_longer_there_still_says_why(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    seen = referral.version
    actions.move_referral(
        actor=world.actor("pat"), referral=referral, to=S.REJECTED, reason="no_capacity"
    )
    response = _move(world, "ivy", referral, to="accepted", version=seen)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this referral" in page
    assert "Not accepted" in page


def test_the_other_sides_move_is_forbidden(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    assert _move(world, "casey", referral, to="accepted").status_code == 403
    assert _move(world, "ivy", referral, to="cancelled", reason="declined").status_code == 403
    assert Referral.objects.get(pk=referral.pk).status == S.REQUESTED


def test_a_move_the_state_does_not_allow_is_refused_with_a_reason(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    response = _move(world, "ivy", referral, to="completed")
    assert response.status_code == 422
    assert "cannot become" in response.content.decode()


def test_a_made_up_state_is_a_bad_request(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    response = world.client_for("ivy").post(
        f"/referrals/{referral.pk}/move/", {"to": "teleported", "move-teleported-version": "2"}
    )
    assert response.status_code == 400


def test_the_outcome_form_records_and_conflicts(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    for to in (S.ACCEPTED, S.IN_PROGRESS, S.FAILED):
        referral = actions.move_referral(
            actor=world.actor("ivy"),
            referral=referral,
            to=to,
            reason="could_not_contact" if to == S.FAILED else "",
        )
    client = world.client_for("casey")
    url = f"/referrals/{referral.pk}/outcome/"
    ok = client.post(url, {"outcome": "got_help", "version": referral.version})
    assert ok.status_code == 302
    assert Need.objects.get(pk=need.pk).status == "met"
    stale = client.post(url, {"outcome": "did_not_get_help", "version": referral.version})
    assert stale.status_code == 409
    assert 'value="did_not_get_help" checked' in stale.content.decode()
    assert client.post(url, {"version": referral.version + 1}).status_code == 422


def test_the_fhir_download_is_audited(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    response = world.client_for("ivy").get(f"/referrals/{referral.pk}/fhir.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    assert response["Content-Disposition"] == (
        f'attachment; filename="referral-{referral.pk}.fhir.json"'
    )
    assert response.json()["resourceType"] == "Bundle"
    entry = AuditEntry.objects.filter(action=AuditAction.REFERRAL_EXPORTED).get()
    assert entry.detail["categories"] == ["identity", "contact", "needs"]


# --- lists ----------------------------------------------------------------------------------


def _overdue(referral: Referral, days: int = 2) -> None:
    Referral.objects.filter(pk=referral.pk).update(
        response_due_on=timezone.localdate() - timedelta(days=days)
    )


def test_the_intake_queue_overdue_first_by_reference_only_when_released(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    later = sent(world, service, need)
    late = sent(world, service, need)
    _overdue(late)
    inquiry = actions.send_capacity_inquiry(
        actor=world.actor("casey"),
        case=world.case,
        service=service,
        need=need,
        age=16,
        gender_words="girl",
        urgent=True,
    )
    page = world.client_for("ivy").get("/referrals/intake/").content.decode()
    waiting = page.split('data-testid="queue-waiting"', 1)[1].split("</table>", 1)[0]
    assert waiting.index(str(late.pk)) < waiting.index(str(later.pk))
    assert waiting.count("overdue") == 1
    assert world.case.reference in waiting
    assert "A 16-year-old girl needs" in waiting
    assert str(inquiry.pk) in waiting
    for private in ("Ana", "Pérez"):
        assert private not in page.split("<main", 1)[1]
    revoke_release(actor=world.actor("casey"), release=Release.objects.get(survivor=world.survivor))
    page = world.client_for("ivy").get("/referrals/intake/").content.decode()
    assert world.case.reference not in page
    assert "Not shared (no release)" in page


@pytest.mark.parametrize(("username", "status"), [("gus", 403), ("avery", 403), ("quinn", 200)])
def test_the_intake_queue_is_for_intake_roles(
    setup: tuple[World, Service, Need], username: str, status: int
) -> None:
    world, service, need = setup
    sent(world, service, need)
    response = world.client_for(username).get("/referrals/intake/")
    assert response.status_code == status
    assert "Trauma-focused" not in response.content.decode()


def test_the_sent_list_marks_what_was_not_answered_in_time(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    fine = sent(world, service, need)
    late = sent(world, service, need)
    _overdue(late)
    page = world.client_for("casey").get("/referrals/sent/").content.decode()
    open_rows = page.split('data-testid="sent-open"', 1)[1].split("</table>", 1)[0]
    assert open_rows.index(str(late.pk)) < open_rows.index(str(fine.pk))
    assert open_rows.count("overdue") == 1
    assert world.client_for("drew").get("/referrals/sent/").status_code == 403


def test_the_case_page_lists_the_case_referrals_for_the_sending_agency(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    url = f"/survivors/{world.survivor.pk}/"
    page = world.client_for("casey").get(url).content.decode()
    section = page.split('data-testid="case-referrals"', 1)[1].split("</ul>", 1)[0]
    assert str(referral.pk) in section
    assert "Sent, waiting for an answer" in section
    assert 'data-testid="case-referrals"' not in world.client_for("drew").get(url).content.decode()


def test_my_work_shows_both_boxes(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    _overdue(sent(world, service, need))
    sent(world, service, need)
    ivy = world.client_for("ivy").get("/cases/").content.decode()
    assert "Referrals waiting for your answer" in ivy
    assert "2 referrals or inquiries wait" in ivy
    assert 'data-testid="referrals-waiting-overdue">1 overdue' in ivy
    casey = world.client_for("casey").get("/cases/").content.decode()
    assert "Referrals not answered in time" in casey
    assert casey.count("answer was due") == 1
    assert "Referrals waiting for your answer" not in casey


# --- what pages cost ------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize(
    ("username", "url"),
    [
        ("ivy", "/referrals/intake/"),
        ("casey", "/referrals/sent/"),
        ("ivy", "/cases/"),
        ("casey", "/cases/"),
        ("casey", "survivor"),
    ],
)
def test_pages_cost_the_same_for_3_and_12_referrals(
    setup: tuple[World, Service, Need], username: str, url: str
) -> None:
    world, service, need = setup
    if url == "survivor":
        url = f"/survivors/{world.survivor.pk}/"
    client = world.client_for(username)

    def more(count: int) -> None:
        for n in range(count):
            referral = sent(world, service, need)
            if n % 2:
                _overdue(referral)

    more(3)
    small = _queries(client, url)
    more(9)
    assert _queries(client, url) == small
