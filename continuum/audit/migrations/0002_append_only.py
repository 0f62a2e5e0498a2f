"""Make the audit log append-only in the database itself, and create the chain head.

Triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on audit entries, so neither a
bug in the application nor a casual SQL session can rewrite history. The keyed hash chain
(`continuum audit verify`) catches anyone who drops the triggers first. In production the
application's database role should not own the tables, so that it cannot drop them.
"""

from django.db import migrations

from continuum.audit.triggers import INSTALL, REMOVE


def install(apps, schema_editor):
    for statement in INSTALL[schema_editor.connection.vendor]:
        schema_editor.execute(statement)
    # The head exists from the start: a missing head is a sign of tampering, not of a new log.
    apps.get_model("audit", "AuditChainHead").objects.get_or_create(pk=1)


def remove(apps, schema_editor):
    for statement in REMOVE[schema_editor.connection.vendor]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
