"""Every response in these tests is checked: no-store, a strict CSP, and no inline code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from tests.accounts.helpers import assert_no_inline_code, assert_secure_headers


@dataclass
class ResponseChecks:
    responses: list[Any] = field(default_factory=list)


@pytest.fixture(autouse=True)
def response_checks(monkeypatch: pytest.MonkeyPatch) -> ResponseChecks:
    """Wrap the test client so that each response a test sees passes the page-level checks.

    Checking in one place means no test can forget to.
    """
    checks = ResponseChecks()
    original = Client.request

    def checked(self: Client, **request: Any) -> Any:
        response = original(self, **request)
        checks.responses.append(response)
        assert_secure_headers(response)
        is_html = response.get("Content-Type", "").startswith("text/html")
        if is_html and response.content:
            assert_no_inline_code(response)
        return response

    monkeypatch.setattr(Client, "request", checked)
    return checks
