"""A long note survives the idle sign-out: kept as a draft, restored after signing in again.

Runs the system Chromium against the live server (see conftest.py).
"""

from __future__ import annotations

import json
import tempfile
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings

from continuum.accounts.sessions import LAST_ACTIVITY
from continuum.cases.models import CaseNote
from continuum.drafts.models import Draft
from tests.e2e.conftest import PageProblems, sign_in
from tests.personas import build_world

pytestmark = pytest.mark.e2e

SHOTS = Path(tempfile.gettempdir()) / "continuum-shots"  # outside the repository

LONG_NOTE = (
    "Met her at the drop-in centre after school. She talked first about the maths exam, then "
    "about the weekend: the older friend who drives her to parties has stopped asking her to "
    "come, and she thinks that is because her aunt now picks her up. She wants to keep "
    "counselling on Thursdays and asked whether the bus pass can be renewed before March. "
    "Next: call the school counsellor about the exam, and ask the aunt about Saturday."
)


def _last_activity(page: Page) -> float:
    """When the server last saw this browser's session active (IdleLogoutMiddleware)."""
    name = django_settings.SESSION_COOKIE_NAME
    key = next(c["value"] for c in page.context.cookies() if c["name"] == name)
    store = import_module(django_settings.SESSION_ENGINE).SessionStore(session_key=key)
    return float(store[LAST_ACTIVITY])


def _choose(page: Page, kind: str) -> None:
    # USWDS draws its own radio: a person clicks the label.
    page.get_by_role("group", name="Kind of note").locator("label", has_text=kind).click()


def _nothing_typed_kept_in_the_browser(page: Page) -> None:
    stored = page.evaluate(
        "JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])"
    )
    assert "drop-in centre" not in stored
    assert "drop-in" not in page.url


def test_a_long_note_survives_the_idle_sign_out(
    page: Page, settings: Settings, problems: PageProblems
) -> None:
    settings.IDLE_TIMEOUT_SECONDS = 9
    settings.IDLE_WARNING_SECONDS = 4
    world = build_world()
    notes = f"/cases/{world.case.pk}/notes/"
    sign_in(page, "casey")
    page.goto(notes)
    expect(page.locator("body[data-drafts-ready=true]")).to_have_count(1)
    before = _last_activity(page)

    _choose(page, "Mental health")
    with page.expect_response("**/drafts/save/") as saved:
        page.get_by_label("Note", exact=True).fill(LONG_NOTE)
    assert saved.value.status == 204
    # Saving is not activity: the server's idle clock did not move.
    assert _last_activity(page) == before
    _nothing_typed_kept_in_the_browser(page)

    # Now say nothing: warned (and told the typing is kept), then signed out.
    dialog = page.locator("dialog.continuum-idle-dialog")
    expect(dialog).to_be_visible(timeout=8_000)
    expect(dialog).to_contain_text("What you have typed in the form is kept")
    page.wait_for_url("**/accounts/timed-out/", timeout=10_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("You were signed out")
    draft = Draft.objects.get()
    assert draft.user == world.users["casey"]
    assert draft.fields == {"category": ["mental_health"], "body": [LONG_NOTE]}
    assert not CaseNote.objects.exists()

    # Back the next morning, in the same browser.
    settings.IDLE_TIMEOUT_SECONDS = 900
    settings.IDLE_WARNING_SECONDS = 120
    sign_in(page, "casey")
    page.goto(notes)
    banner = page.get_by_test_id("draft-restored")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("before you were signed out")
    expect(banner).to_contain_text("It is in the form below: check it, then save it.")
    expect(banner.get_by_role("button", name="Discard what was kept")).to_be_visible()
    expect(page.get_by_label("Note", exact=True)).to_have_value(LONG_NOTE)
    expect(page.get_by_label("Mental health")).to_be_checked()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "draft-restored.png"), full_page=True)

    with page.expect_navigation():
        page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text("Note saved.")).to_be_visible()
    expect(page.get_by_test_id("case-note").first).to_contain_text("the maths exam")
    expect(page.get_by_test_id("draft-restored")).to_have_count(0)
    expect(page.get_by_label("Note", exact=True)).to_have_value("")
    assert not Draft.objects.exists()
    assert CaseNote.objects.get().category == "mental_health"
    assert problems.unexpected() == []


def test_the_idle_warning_saves_at_once_and_discard_empties_the_form(
    page: Page, problems: PageProblems
) -> None:
    world = build_world()
    notes = f"/cases/{world.case.pk}/notes/"
    sign_in(page, "casey")
    page.goto(notes)
    expect(page.locator("body[data-drafts-ready=true]")).to_have_count(1)
    _choose(page, "Case note")
    page.get_by_label("Note", exact=True).fill("Called her aunt about Saturday.")
    # The warning does not wait for the two-second pause after typing.
    with page.expect_response("**/drafts/save/", timeout=1_500) as saved:
        page.evaluate("document.dispatchEvent(new CustomEvent('continuum:idle-warning'))")
    assert saved.value.status == 204
    sent = saved.value.request.post_data_json
    assert sent["fields"]["body"] == ["Called her aunt about Saturday."]
    assert "csrfmiddlewaretoken" not in sent["fields"]
    # Nothing changed since: nothing more is sent.
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.evaluate("document.dispatchEvent(new CustomEvent('continuum:idle-timeout'))")
    page.wait_for_timeout(2_500)
    assert not [url for url in requests if url.endswith("/drafts/save/")]

    page.reload()
    expect(page.get_by_test_id("draft-restored")).to_contain_text("and had not saved")
    expect(page.get_by_label("Note", exact=True)).to_have_value("Called her aunt about Saturday.")
    page.once("dialog", lambda confirm: confirm.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Discard what was kept").click()
    expect(page.get_by_text("What was kept is gone")).to_be_visible()
    expect(page.get_by_label("Note", exact=True)).to_have_value("")
    assert not Draft.objects.exists()
    assert json.dumps(problems.unexpected()) == "[]"
