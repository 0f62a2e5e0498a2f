from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
from django.db import connections
from django.test import TransactionTestCase

from continuum.audit.triggers import INSTALL, REMOVE
from tests.personas import World, build_world

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from
# a thread with a running loop unless told this is a test harness.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

_original_teardown = TransactionTestCase._fixture_teardown


@contextmanager
def _append_only_lifted(alias: str) -> Iterator[None]:
    """Drop the audit triggers for the length of a flush, then put them back."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        for statement in REMOVE[connection.vendor]:
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in INSTALL[connection.vendor]:
                cursor.execute(statement)


def _teardown_with_audit_maintenance(self: TransactionTestCase) -> None:
    # Emptying the database between transactional tests (Django's flush) must get past the
    # audit log's append-only triggers; nothing else in the suite does.
    databases = self._databases_names(include_mirrors=False)  # type: ignore[attr-defined]
    with ExitStack() as stack:
        for alias in databases:
            stack.enter_context(_append_only_lifted(alias))
        _original_teardown(self)


TransactionTestCase._fixture_teardown = _teardown_with_audit_maintenance  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture
def world(db: None) -> World:
    return build_world()
