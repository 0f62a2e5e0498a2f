"""Load Open Eligibility (services and human situations) as the directory's default
taxonomy, from the vendored files, with the same UUIDs on every installation
(continuum.directory.taxonomy.term_id). Safe to run again: rows already there are updated."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from continuum.directory import taxonomy

    taxonomy_model = apps.get_model("directory", "Taxonomy")
    term_model = apps.get_model("directory", "TaxonomyTerm")
    for row in taxonomy.hsds_taxonomies():
        taxonomy_model.objects.update_or_create(id=row.pop("id"), defaults=row)
    terms = []
    for row in taxonomy.hsds_terms():
        terms.append(
            term_model(
                id=row["id"],
                code=row["code"],
                name=row["name"],
                description=row["description"],
                parent_id=row["parent_id"],
                taxonomy=row["taxonomy"],
                taxonomy_detail_id=row["taxonomy_id"],
                language=row["language"],
            )
        )
    term_model.objects.bulk_create(
        terms,
        batch_size=200,
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["code", "name", "description", "parent_id", "taxonomy", "language"],
    )


def unload(apps: Any, schema_editor: Any) -> None:
    from continuum.directory import taxonomy

    ids = [row["id"] for row in taxonomy.hsds_taxonomies()]
    apps.get_model("directory", "TaxonomyTerm").objects.filter(taxonomy_detail_id__in=ids).delete()
    apps.get_model("directory", "Taxonomy").objects.filter(id__in=ids).delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_fulltext")]

    operations = [migrations.RunPython(load, unload)]
