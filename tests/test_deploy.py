"""Production settings pass Django's deploy checks, and no page makes a third-party request.

A survivor's browser history, a shelter's network log or a font CDN's access log must not
learn that someone is using Continuum, or which record they opened: every request a page
makes goes back to the same origin (issue #3, "Hardening").
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.template import loader
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuum.core.middleware import PERMISSIONS_POLICY_DENIED
from tests.accounts.helpers import ENROLL, csp_directives, post_password
from tests.personas import World

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "continuum" / "static"


# Production settings ----------------------------------------------------------------------


def production_environment(var_dir: Path) -> dict[str, str]:
    """The environment of a deployment: HTTPS, no debug, real secrets, one host name."""
    environment = {
        name: value
        for name, value in os.environ.items()
        # Nothing from the developer's or CI's own configuration leaks in, nor the
        # test harness's DJANGO_ALLOW_ASYNC_UNSAFE (tests/conftest.py), which --deploy refuses.
        if not name.startswith("CONTINUUM_") and name != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    environment.update(
        CONTINUUM_HTTPS="true",
        CONTINUUM_DEBUG="false",
        CONTINUUM_SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters
        CONTINUUM_AUDIT_KEY=secrets.token_urlsafe(48),
        CONTINUUM_ALLOWED_HOSTS="continuum.example.org",
        CONTINUUM_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="continuum.settings",
    )
    return environment


def test_check_deploy_passes_with_production_settings(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_and_hsts(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name) for name in [
    "DEBUG", "SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_DOMAIN", "SESSION_COOKIE_PATH", "CSRF_COOKIE_NAME", "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_DOMAIN", "CSRF_COOKIE_PATH", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
]}))
""",
        ],
        cwd=ROOT,
        env=production_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    # __Host- cookies are refused by the browser unless Secure, Path=/ and no Domain.
    for cookie in ("SESSION", "CSRF"):
        assert values[f"{cookie}_COOKIE_NAME"].startswith("__Host-")
        assert values[f"{cookie}_COOKIE_SECURE"] is True
        assert values[f"{cookie}_COOKIE_PATH"] == "/"
        assert values[f"{cookie}_COOKIE_DOMAIN"] is None
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is False


# Every request a page makes stays on the same origin --------------------------------------

# Attributes that make the browser fetch something, or send a request when used.
URL_ATTRIBUTES = {
    "src",
    "href",
    "srcset",
    "poster",
    "data",
    "action",
    "formaction",
    "background",
    "hx-get",
    "hx-post",
    "hx-put",
    "hx-patch",
    "hx-delete",
}
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.IGNORECASE | re.DOTALL)


class References(HTMLParser):
    """Every URL a page refers to, as (tag, attribute, value, all attributes)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str, dict[str, str]]] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        for name, value in attributes.items():
            if name in URL_ATTRIBUTES or name.endswith("-url"):
                values = (
                    [part.split()[0] for part in value.split(",") if part.strip()]
                    if name == "srcset"
                    else [value]
                )
                for one in values:
                    self.found.append((tag, name, one.strip(), attributes))
            if name == "style":
                for match in CSS_URL.finditer(value):
                    self.found.append((tag, "style url()", match.group(2).strip(), attributes))
        if tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            target = attributes.get("content", "").partition("url=")[2]
            self.found.append((tag, "refresh", target.strip(), attributes))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            for match in CSS_URL.finditer(data):
                self.found.append(("style", "url()", match.group(2).strip(), {}))


def is_same_origin(url: str) -> bool:
    """A relative URL (path, query or fragment), a data: URI, or a tel:/sms: link (the
    footer's safety numbers: the phone dials, the browser requests nothing): nothing leaves
    the origin."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "tel", "sms"):
        return True
    return not parts.scheme and not parts.netloc and not url.startswith("//")


def third_party_references(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    parser.close()
    assert parser.found, "the parser found no URLs at all"
    problems = []
    for tag, attribute, url, attributes in parser.found:
        quick_exit = tag == "a" and attribute == "href" and "data-quick-exit" in attributes
        if quick_exit:
            # A navigation away, not a request the page makes; it must be the configured site.
            if url != settings.QUICK_EXIT_URL:
                problems.append(f"quick exit goes to {url!r}, not QUICK_EXIT_URL")
            continue
        if not is_same_origin(url):
            problems.append(f"<{tag} {attribute}={url!r}>")
        # Fonts, styles and scripts come from our own static files, nowhere else.
        fetched_code = (tag == "script" and attribute == "src") or (
            tag == "link" and attribute == "href" and attributes.get("rel") != "icon"
        )
        if fetched_code and not url.startswith(settings.STATIC_URL):
            problems.append(f"<{tag} {attribute}={url!r}> is not a static file")
    return problems


def signed_in_pages(world: World) -> list[str]:
    survivor, case = world.survivor.pk, world.case.pk
    return [
        "/cases/",
        "/survivors/",
        "/survivors/new/",
        f"/survivors/{survivor}/",
        f"/survivors/{survivor}/edit/",
        f"/cases/{case}/team/",
        "/accounts/",
        "/accounts/tokens/",
    ]


@pytest.mark.django_db
def test_signed_in_pages_request_nothing_from_another_origin(world: World) -> None:
    client = world.client_for("casey")
    for path in signed_in_pages(world):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert "data-quick-exit" in html, path
        assert third_party_references(html) == [], path


@pytest.mark.django_db
def test_public_and_error_pages_request_nothing_from_another_origin(
    client: Client, world: World
) -> None:
    pages = {}
    for path in ["/accounts/login/", "/accounts/timed-out/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = response.content.decode()
    not_found = world.client_for("casey").get("/survivors/00000000-0000-4000-8000-000000000000/")
    assert not_found.status_code == 404
    pages["404"] = not_found.content.decode()
    pages["500"] = loader.get_template("500.html").render()
    # The enrolment page shows its QR code as a data: URI, not from a QR-code service.
    TOTPDevice.objects.filter(user=world.users["casey"]).delete()
    post_password(client, "casey")
    enroll = client.get(ENROLL)
    assert enroll.status_code == 200
    assert 'src="data:image/' in enroll.content.decode()
    pages[ENROLL] = enroll.content.decode()
    for name, html in pages.items():
        assert third_party_references(html) == [], name


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ('<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=X">', "fonts"),
        ('<script src="//cdn.example.com/x.js"></script>', "cdn.example.com"),
        ('<img src="http://tracker.example/p.gif">', "tracker"),
        ('<div style="background: url(https://x.example/a.png)"></div>', "x.example"),
        ("<style>@font-face{src:url('https://f.example/a.woff2')}</style>", "f.example"),
        ('<form action="https://other.example/"></form>', "other.example"),
        ('<button hx-post="https://other.example/api">x</button>', "other.example"),
        ('<a data-quick-exit href="https://evil.example/">x</a>', "QUICK_EXIT_URL"),
        ('<link rel="stylesheet" href="/elsewhere/site.css">', "not a static file"),
    ],
)
def test_checker_finds_third_party_references(html: str, problem: str) -> None:
    problems = third_party_references(f"<html><head></head><body>{html}</body></html>")
    assert any(problem in found for found in problems), problems


# Static files -----------------------------------------------------------------------------

# XML namespace names and the SVG DTD: identifiers, which browsers never fetch.
NOT_FETCHED = {
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/1999/xhtml",
    "http://www.w3.org/1998/Math/MathML",
    "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd",
}
ABSOLUTE_URL = re.compile(r"""https?://[^\s"'`()<>\\]+""", re.IGNORECASE)
BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
LINE_COMMENT = re.compile(r"^\s*//.*$", re.MULTILINE)


def code_of(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix in {".css", ".js"}:
        text = BLOCK_COMMENT.sub("", text)
    if path.suffix == ".js":
        text = LINE_COMMENT.sub("", text)
    return text


def static_files() -> list[Path]:
    return sorted(
        path
        for path in STATIC_DIR.rglob("*")
        if path.suffix in {".css", ".js", ".svg"}
        and not path.name.upper().startswith(("LICENSE", "LICENCE"))
    )


def test_static_files_fetch_nothing_from_another_origin() -> None:
    files = static_files()
    assert any(path.suffix == ".css" for path in files)
    assert any(path.suffix == ".js" for path in files)
    problems = []
    for path in files:
        code = code_of(path)
        problems += [
            f"{path.relative_to(STATIC_DIR)}: {url}"
            for url in ABSOLUTE_URL.findall(code)
            if url not in NOT_FETCHED
        ]
        if path.suffix == ".css":
            # Fonts and images in the stylesheets come from beside them or are data: URIs;
            # no @import of another stylesheet at all.
            problems += [
                f"{path.relative_to(STATIC_DIR)}: url({match.group(2)})"
                for match in CSS_URL.finditer(code)
                if not is_same_origin(match.group(2).strip())
            ]
            if "@import" in code:
                problems.append(f"{path.relative_to(STATIC_DIR)}: @import")
    assert problems == []


# Headers ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_security_headers_on_a_page(world: World) -> None:
    response = world.client_for("casey").get(f"/survivors/{world.survivor.pk}/")
    assert response.status_code == 200
    policy = {
        feature: allowlist
        for feature, _, allowlist in (
            item.strip().partition("=") for item in response["Permissions-Policy"].split(",")
        )
    }
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert policy[feature] == "()", feature
    assert set(policy) == set(PERMISSIONS_POLICY_DENIED)
    assert "interest-cohort" not in policy  # FLoC is gone; browsers warn about the name
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert csp_directives(response)["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_security_headers_on_every_kind_of_response(client: Client) -> None:
    """Also the sign-in page, a redirect, a 404 and a static file."""
    for path, status in [
        ("/accounts/login/", 200),
        ("/cases/", 302),
        ("/no-such-page/", 404),
        ("/static/continuum/app.js", 200),
    ]:
        response = client.get(path)
        response.close()
        assert response.status_code == status, path
        assert "camera=()" in response["Permissions-Policy"], path
        assert response["Cross-Origin-Resource-Policy"] == "same-origin", path
