"""The purge as a background task, for the worker (the same code as `continuum purge`)."""

from __future__ import annotations

from django.tasks import task

from continuum.retention.actions import purge_due


@task
def purge_due_records(batch_size: int = 100) -> dict[str, object]:
    """Destroy every record the retention schedule says is due; return the counts.

    Fails (and destroys nothing) when the audit chain does not verify. Schedule it daily; a
    run cut short is finished by the next one.
    """
    return purge_due(batch_size=batch_size, via="worker").as_dict()
