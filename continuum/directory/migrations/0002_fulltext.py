"""Full-text search over services and organizations (issue #7; continuum/directory/fulltext.py).

SQLite: FTS5 tables kept in step with the directory by triggers. PostgreSQL: a text search
configuration that ignores accents and GIN expression indexes. The SQL lives beside the
queries that must match it, in fulltext.py, so that a later migration that rebuilds a
directory table on SQLite (and so loses its triggers) can run `install_forwards` again.
"""

from django.db import migrations

from continuum.directory.fulltext import install_forwards, uninstall_backwards


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(install_forwards, uninstall_backwards)]
