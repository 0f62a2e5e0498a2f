"""Browser fixtures for the end-to-end tests: the system Chromium, a page that records every
script error and CSP violation, and signing in through the real sign-in pages."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from tests.personas import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--no-first-run",
    "--disable-sync",
]
TIMEOUT_MS = 10_000

type Watch = Callable[[Page], Page]

# Chromium reports CSP violations as console errors too; this listener also catches the ones
# a page might swallow, and names the directive.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


@dataclass
class PageProblems:
    """Console errors, CSP violations and uncaught exceptions seen by a page."""

    messages: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        # A Permissions-Policy name the browser does not know is only a warning, on every page.
        unknown_feature = message.type == "warning" and "Unrecognized feature" in message.text
        if message.type == "error" or unknown_feature:
            self.messages.append(f"console: {message.text} @ {message.location.get('url', '')}")

    def on_page_error(self, error: Exception) -> None:
        self.messages.append(f"pageerror: {error}")

    def unexpected(self, *allowed: str) -> list[str]:
        """Problems other than those matching one of the `allowed` regular expressions."""
        return [m for m in self.messages if not any(re.search(a, m) for a in allowed)]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        timezone_id="America/New_York",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    yield context
    context.close()


@pytest.fixture
def problems() -> PageProblems:
    """Shared by every page opened with `watch` (and by the `page` fixture)."""
    return PageProblems()


@pytest.fixture
def watch(problems: PageProblems) -> Watch:
    """watch(page) -> page: record the page's errors in `problems`."""

    def attach(page: Page) -> Page:
        page.on("console", problems.on_console)
        page.on("pageerror", problems.on_page_error)
        return page

    return attach


@pytest.fixture
def page(context: BrowserContext, watch: Watch) -> Page:
    return watch(context.new_page())


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows now, or a few seconds from now if this one was
    already used (a code works once; the device accepts one step of clock drift)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if device.last_t is not None and totp.t() <= device.last_t:
        totp.time = time.time() + device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in(page: Page, username: str, *, password: str = PASSWORD) -> None:
    """Sign in through the pages, as someone who already set up their authenticator app."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/accounts/verify/")
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    page.get_by_label("Code").fill(current_code(device))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/cases/")
    assert page.locator("body[data-app-ready=true]").count() == 1
