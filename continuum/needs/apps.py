from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_migrate


def install_defaults_after_migrate(
    sender: AppConfig, *, using: str = DEFAULT_DB_ALIAS, **_: Any
) -> None:
    """After `migrate` (or a test database's flush, which empties the seeded rows): the
    default domains, when the table is empty."""
    from continuum.needs.defaults import install_default_domains
    from continuum.needs.models import NeedDomain

    if using != DEFAULT_DB_ALIAS:
        return
    if NeedDomain._meta.db_table not in connections[using].introspection.table_names():
        return
    install_default_domains()


class NeedsConfig(AppConfig):
    name = "continuum.needs"
    label = "needs"

    def ready(self) -> None:
        post_migrate.connect(
            install_defaults_after_migrate,
            sender=self,
            dispatch_uid="continuum.needs.install_defaults",
        )
