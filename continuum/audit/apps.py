from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "continuum.audit"
    label = "audit"

    def ready(self) -> None:
        from continuum.audit import maintenance  # noqa: F401  (registers the SQLite function)
