"""The per-connection switch that lets the append-only triggers pass.

Only the test harness turns it on, to empty the database between browser tests (Django's
flush). On SQLite the switch is a function registered on each connection; any other SQLite
client lacks the function, so its triggers fail closed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver

_SQLITE_FLAG = "_continuum_audit_maintenance"


@receiver(connection_created)
def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        "continuum_audit_maintenance",
        0,
        lambda: 1 if getattr(connection, _SQLITE_FLAG, False) else 0,
    )


@contextmanager
def audit_maintenance(using: str = "default") -> Iterator[None]:
    connection = connections[using]
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        setattr(connection, _SQLITE_FLAG, True)
        try:
            yield
        finally:
            setattr(connection, _SQLITE_FLAG, False)
        return
    with connection.cursor() as cursor:
        cursor.execute("SET continuum.audit_maintenance = 'on'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET continuum.audit_maintenance")
