"""Signing in the way a person does (password, then a code), and checks every page must pass."""

from __future__ import annotations

import time
from html.parser import HTMLParser
from typing import Any

from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuum.accounts.models import User
from continuum.accounts.sessions import LAST_ACTIVITY
from tests.personas import PASSWORD

LOGIN = "/accounts/login/"
VERIFY = "/accounts/verify/"
ENROLL = "/accounts/enroll/"
RECOVERY_CODES = "/accounts/recovery-codes/"
SECURITY = "/accounts/"
TOKENS = "/accounts/tokens/"
SWITCH = "/accounts/switch/"
LOGOUT = "/accounts/logout/"
LOGOUT_EVERYWHERE = "/accounts/logout-everywhere/"
KEEPALIVE = "/accounts/keepalive/"
TIMED_OUT = "/accounts/timed-out/"
MY_WORK = "/cases/"


def code_for(device: TOTPDevice) -> str:
    """A code the device accepts now and has not accepted before.

    A TOTP code is good for one use (the device remembers the last time step it accepted),
    and the device allows one step of clock drift either way; so when this step's code was
    already used, the next step's code is the one a phone would show in a few seconds.
    """
    device.refresh_from_db()
    for offset in (0, 1):
        drift = device.drift + offset
        step_now = (int(time.time()) - device.t0) // device.step + drift
        if step_now > device.last_t:
            code = totp(
                device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift
            )
            return f"{code:0{device.digits}d}"
    raise AssertionError("no unused code in the device's window; the test used too many")


def wrong_code_for(device: TOTPDevice) -> str:
    """Six digits that are not any code the device would accept right now."""
    device.refresh_from_db()
    accepted = {
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift + d):06d}"  # noqa: E501
        for d in (-1, 0, 1, 2)
    }
    for candidate in ("000000", "111111", "123456", "999999"):
        if candidate not in accepted:
            return candidate
    raise AssertionError("unreachable")


def unthrottle(user: User) -> None:
    """Forget earlier wrong codes, as if the back-off delay had passed."""
    TOTPDevice.objects.filter(user=user).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    StaticDevice.objects.filter(user=user).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )


def post_password(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def sign_in(
    client: Client, user: User, *, password: str = PASSWORD, next_url: str | None = None
) -> Any:
    """Both steps through the real pages; returns the response to the code step."""
    data = {"next": next_url} if next_url is not None else {}
    response = post_password(client, user.username, password, **data)
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == VERIFY
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 302, response.content[:2000]
    return response


def session_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def age_session(client: Client, seconds: float) -> None:
    """Make the session's last request look `seconds` old."""
    session = client.session
    session[LAST_ACTIVITY] = time.time() - seconds
    session.save()


def recovery_codes_of(user: User) -> list[str]:
    return list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


class _InlineFinder(HTMLParser):
    """Finds what a strict CSP (no 'unsafe-inline') would block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower() for name, _value in attrs}
        if "style" in names:
            self.problems.append(f"style= attribute on <{tag}>")
        handlers = sorted(name for name in names if name.startswith("on"))
        if handlers:
            self.problems.append(f"inline event handler {handlers} on <{tag}>")
        for name, value in attrs:
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"javascript: URL on <{tag}>")
        if tag == "script":
            self._in_script = True
            self._script_text = []
        if tag == "style":
            self.problems.append("<style> element")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_script:
            text = "".join(self._script_text).strip()
            if text:
                self.problems.append(f"inline <script> with content: {text[:80]!r}")
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self._script_text.append(data)


def inline_code_in(html: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def assert_no_inline_code(response: Any) -> None:
    """No inline <script> with content, no style= attribute, no on*= handler."""
    problems = inline_code_in(response.content.decode())
    assert not problems, f"{response.wsgi_request.path}: {problems}"


def csp_directives(response: Any) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_secure_headers(response: Any) -> None:
    """no-store on every answer, and on pages a CSP whose scripts may come from our own
    files only."""
    path = response.wsgi_request.path
    if path.startswith("/static/"):
        return  # our own script and style files: cacheable, and not pages
    cache_control = response.get("Cache-Control", "")
    assert "no-store" in cache_control, f"{path}: Cache-Control is {cache_control!r}"
    if not response.get("Content-Type", "").startswith("text/html") or not response.content:
        return  # a redirect or an empty answer: nothing for a browser to run
    directives = csp_directives(response)
    assert directives, f"{path}: no Content-Security-Policy header"
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src, f"{path}: CSP without script-src or default-src"
    assert "'unsafe-inline'" not in script_src, f"{path}: script-src allows inline scripts"
    assert "'unsafe-eval'" not in script_src, f"{path}: script-src allows eval"
    style_src = directives.get("style-src", directives.get("default-src", []))
    assert "'unsafe-inline'" not in style_src, f"{path}: style-src allows inline styles"
