"""Headers every page needs, and no inline code that the CSP would block.

tests/accounts/conftest.py checks every response of every test in this folder; this file makes
sure that the checks themselves work and that the main pages are covered.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.accounts.conftest import ResponseChecks
from tests.accounts.helpers import (
    ENROLL,
    LOGIN,
    MY_WORK,
    SECURITY,
    TIMED_OUT,
    TOKENS,
    VERIFY,
    csp_directives,
    inline_code_in,
    post_password,
)
from tests.personas import World

pytestmark = pytest.mark.django_db

SIGNED_IN_PAGES = [MY_WORK, "/survivors/", "/survivors/new/", SECURITY, TOKENS]


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages(world: World, path: str, response_checks: ResponseChecks) -> None:
    response = world.client_for("casey").get(path)
    assert response.status_code == 200
    assert response in response_checks.responses  # so the conftest checks ran on it
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control
    directives = csp_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_survivor_page(world: World) -> None:
    response = world.client_for("casey").get(f"/survivors/{world.survivor.pk}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("path", [LOGIN, TIMED_OUT])
def test_public_pages(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("path", [VERIFY, ENROLL])
def test_second_step_pages(client: Client, world: World, path: str) -> None:
    if path == ENROLL:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        TOTPDevice.objects.filter(user=world.users["casey"]).delete()
    post_password(client, "casey")
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_session_cookie_is_not_for_scripts(client: Client, world: World) -> None:
    post_password(client, "casey")
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


# The checker itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<script>alert(1)</script>", "inline <script>"),
        ("<script type='module'>\n  go()\n</script>", "inline <script>"),
        ('<div style="color:red">x</div>', "style="),
        ("<DIV STYLE='x'>x</DIV>", "style="),
        ('<a href="#" onclick="go()">x</a>', "inline event handler"),
        ('<a href="javascript:go()">x</a>', "javascript: URL"),
        ("<style>p{}</style>", "<style> element"),
    ],
)
def test_checker_finds_inline_code(html: str, problem: str) -> None:
    problems = inline_code_in(f"<html><body>{html}</body></html>")
    assert any(problem in found for found in problems), problems


@pytest.mark.parametrize(
    "html",
    [
        '<script src="/static/app.js" defer></script>',
        "<script src='/static/x.js'>\n</script>",
        '<p>style="not an attribute" and onclick= in text</p>',
        '<div data-style="x" class="usa-alert"></div>',
        '<meta name="htmx-config" content=\'{"allowEval": false}\'>',
    ],
)
def test_checker_accepts_external_scripts_and_text(html: str) -> None:
    assert inline_code_in(f"<html><head></head><body>{html}</body></html>") == []
