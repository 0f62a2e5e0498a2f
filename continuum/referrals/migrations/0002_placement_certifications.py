"""Load Continuum's placement certification terms ("Certified safe house", "Certified safe
foster home"), with the same UUIDs on every installation (continuum.referrals.placements).
Safe to run again."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from continuum.referrals import placements

    taxonomy = dict(placements.hsds_taxonomy())
    apps.get_model("directory", "Taxonomy").objects.update_or_create(
        id=taxonomy.pop("id"), defaults=taxonomy
    )
    term_model = apps.get_model("directory", "TaxonomyTerm")
    for row in placements.hsds_terms():
        values: dict[str, Any] = dict(row)
        values["taxonomy_detail_id"] = values.pop("taxonomy_id")
        term_model.objects.update_or_create(id=values.pop("id"), defaults=values)


def unload(apps: Any, schema_editor: Any) -> None:
    from continuum.referrals import placements

    taxonomy_id = placements.hsds_taxonomy()["id"]
    apps.get_model("directory", "TaxonomyTerm").objects.filter(
        taxonomy_detail_id=taxonomy_id
    ).delete()
    apps.get_model("directory", "Taxonomy").objects.filter(id=taxonomy_id).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("directory", "0003_open_eligibility"),
    ]

    operations = [migrations.RunPython(load, unload)]
