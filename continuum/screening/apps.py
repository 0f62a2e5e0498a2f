from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_migrate


def install_bundled_after_migrate(
    sender: AppConfig, *, using: str = DEFAULT_DB_ALIAS, **_: Any
) -> None:
    """After `migrate` (and the test database's creation, and each flush): store the bundled
    instruments that are missing, and the Florida safety defaults when no number is stored,
    so a new community can screen at once. Skipped when the screening tables are
    not there (migrated back to zero)."""
    from continuum.screening.defaults import install_default_safety
    from continuum.screening.models import Instrument
    from continuum.screening.setup_actions import install_bundled_instruments

    if using != DEFAULT_DB_ALIAS:
        return
    if Instrument._meta.db_table not in connections[using].introspection.table_names():
        return
    install_bundled_instruments()
    install_default_safety()  # only into an empty table (a test's flush empties it)


class ScreeningConfig(AppConfig):
    name = "continuum.screening"
    label = "screening"

    def ready(self) -> None:
        post_migrate.connect(
            install_bundled_after_migrate,
            sender=self,
            dispatch_uid="continuum.screening.install_bundled",
        )
