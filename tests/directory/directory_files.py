"""A small synthetic directory, as HSDS 3.1 JSON, for the import and export tests.

Harbor House keeps a public drop-in centre and a safe house; the safe house is marked
confidential after import (Location.confidential is Continuum's own column, not HSDS). Its
street address, phone number, schedule, languages, accessibility, contact, the
service-at-location placing the shelter service there, and the attributes and metadata on
them must never leave Continuum. All names and numbers are made up.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from continuum.directory import importer, match_index, models
from continuum.directory.actions import import_directory

EXAMPLES = Path(__file__).resolve().parent / "hsds_examples"
_NAMESPACE = uuid.UUID("6f1f0c55-2a43-4c0e-9d5c-8f0d3c2b1a00")

# Text that exists only at the safe house: none of it may appear in an export.
SECRETS = (
    "12 Hidden Lane",
    "555-0199",
    "555-0142",
    "Night manager",
    "Night line",
    "Safe house door code",
    "Harbor catchment",
)

# Every row at the safe house.
HIDDEN = (
    "safe house",
    "safe house address",
    "address change",
    "safe house phone",
    "safe house phone spanish",
    "safe house hours",
    "safe house english",
    "safe house ramp",
    "safe house contact",
    "night manager phone",
    "night line tag",
    "night line change",
    "safe house tag",
    "shelter at safe house",
    "shelter line at safe house",
    "shelter hours at safe house",
    "safe house area",
)


def hid(name: str) -> str:
    """A stable HSDS id for a name used in these tests."""
    return str(uuid.uuid5(_NAMESPACE, name))


def example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def harbor_house() -> dict[str, Any]:
    """An organization with a public location, a safe house, two services and tags."""
    term = {
        "id": hid("term shelter"),
        "code": "shelter",
        "name": "Emergency shelter",
        "description": "A safe place to stay tonight.",
        "taxonomy_detail": {
            "id": hid("taxonomy"),
            "name": "Test taxonomy",
            "description": "Terms for the tests.",
        },
    }
    return {
        "id": hid("harbor house"),
        "name": "Harbor House",
        "description": "Shelter and drop-in support for young people.",
        "email": "info@harbor.example.org",
        # The safe house's own line and its night manager's are the organization's too: an
        # export must leave them out although the organization is exported.
        "phones": [
            {"id": hid("main line"), "number": "555-0100", "type": "voice"},
            {"id": hid("safe house phone"), "number": "555-0199"},
            {
                "id": hid("night manager phone"),
                "number": "555-0142",
                "attributes": [
                    {
                        "id": hid("night line tag"),
                        "taxonomy_term_id": hid("term shelter"),
                        "value": "Night line",
                    }
                ],
                "metadata": [
                    {
                        "id": hid("night line change"),
                        "last_action_date": "2024-05-02",
                        "last_action_type": "update",
                        "field_name": "number",
                        "previous_value": "555-0141",
                        "replacement_value": "555-0142",
                        "updated_by": "Test admin",
                    }
                ],
            },
        ],
        "contacts": [{"id": hid("safe house contact"), "name": "Night manager"}],
        "locations": [
            {
                "id": hid("drop-in"),
                "location_type": "physical",
                "name": "Drop-in centre",
                "latitude": 27.95,
                "longitude": -82.46,
                "addresses": [
                    {
                        "id": hid("drop-in address"),
                        "address_1": "400 Main Street",
                        "city": "Tampa",
                        "state_province": "FL",
                        "postal_code": "33602",
                        "country": "US",
                        "address_type": "physical",
                    }
                ],
                "schedules": [
                    {"id": hid("drop-in hours"), "opens_at": "09:00:00", "closes_at": "17:00:00"}
                ],
            },
            {
                "id": hid("safe house"),
                "location_type": "physical",
                "name": "Harbor safe house",
                "latitude": 27.99,
                "longitude": -82.51,
                "addresses": [
                    {
                        "id": hid("safe house address"),
                        "address_1": "12 Hidden Lane",
                        "city": "Tampa",
                        "state_province": "FL",
                        "postal_code": "33603",
                        "country": "US",
                        "address_type": "physical",
                        "metadata": [
                            {
                                "id": hid("address change"),
                                "last_action_date": "2024-05-01",
                                "last_action_type": "update",
                                "field_name": "address_1",
                                "previous_value": "10 Hidden Lane",
                                "replacement_value": "12 Hidden Lane",
                                "updated_by": "Test admin",
                            }
                        ],
                    }
                ],
                "phones": [
                    {
                        "id": hid("safe house phone"),
                        "number": "555-0199",
                        "languages": [{"id": hid("safe house phone spanish"), "code": "ES"}],
                    }
                ],
                "schedules": [{"id": hid("safe house hours"), "description": "Always open"}],
                "languages": [{"id": hid("safe house english"), "name": "English", "code": "en"}],
                "accessibility": [{"id": hid("safe house ramp"), "description": "Ramp"}],
                "contacts": [
                    {
                        "id": hid("safe house contact"),
                        "name": "Night manager",
                        "phones": [{"id": hid("night manager phone"), "number": "555-0142"}],
                    }
                ],
                "attributes": [
                    {
                        "id": hid("safe house tag"),
                        "taxonomy_term_id": hid("term shelter"),
                        "value": "Safe house door code",
                    }
                ],
            },
        ],
        "services": [
            {
                "id": hid("shelter"),
                "name": "Youth shelter",
                "status": "active",
                "minimum_age": 12,
                "maximum_age": 21,
                "assured_date": "2024-06-01",
                "last_modified": "2024-06-01T09:30:00Z",
                "phones": [
                    {"id": hid("shelter intake"), "number": "555-0101"},
                    {"id": hid("shelter line at safe house"), "number": "555-0199"},
                ],
                "schedules": [{"id": hid("shelter hours at safe house"), "notes": "Night"}],
                "languages": [
                    {"id": hid("safe house english"), "name": "English", "code": "en"},
                    {"id": hid("safe house phone spanish"), "code": "ES"},
                ],
                "service_areas": [{"id": hid("safe house area"), "name": "Harbor catchment"}],
                "service_at_locations": [
                    {
                        "id": hid("shelter at safe house"),
                        "location_id": hid("safe house"),
                        "service_areas": [
                            {"id": hid("safe house area"), "name": "Harbor catchment"}
                        ],
                        "phones": [{"id": hid("shelter line at safe house"), "number": "555-0199"}],
                        "schedules": [{"id": hid("shelter hours at safe house"), "notes": "Night"}],
                    },
                ],
                "capacities": [
                    {
                        "id": hid("shelter beds"),
                        "available": 3,
                        "maximum": 8,
                        "updated": "2024-06-01T08:00:00Z",
                        "unit": {"id": hid("beds"), "name": "beds"},
                    }
                ],
                "attributes": [{"id": hid("shelter tag"), "taxonomy_term": term}],
            },
            {
                "id": hid("drop-in support"),
                "name": "Drop-in support",
                "status": "active",
                "description": "Meals, showers and a case manager.",
                "phones": [{"id": hid("drop-in phone"), "number": "555-0102"}],
                "service_at_locations": [
                    {"id": hid("drop-in support at drop-in"), "location_id": hid("drop-in")}
                ],
                "languages": [{"id": hid("drop-in spanish"), "name": "Spanish", "code": "es"}],
            },
        ],
    }


def unattached() -> dict[str, Any]:
    """Continuum's export shape: a service and a location that belong to no organization."""
    return {
        "services": [
            {"id": hid("hotline"), "name": "Statewide hotline", "status": "active"},
        ],
        "locations": [
            {"id": hid("bus stop"), "location_type": "physical", "name": "Outreach stop"},
        ],
    }


def load(document: Any, kind: str | None = None) -> importer.ImportReport:
    """Import a parsed JSON document as the operator at the command line does."""
    return import_directory(actor=None, batch=importer.read_json(document, kind=kind))


def build_directory() -> None:
    """Harbor House (its safe house confidential) plus the unattached records."""
    load(harbor_house(), "organization")
    load(unattached())
    models.Location.objects.filter(id=hid("safe house")).update(confidential=True)
    # An UPDATE sends no signal: the match index is told, as the demo does.
    match_index.refresh(
        match_index.services_touched({models.Location: {uuid.UUID(hid("safe house"))}})
    )


def changed(document: Any) -> Any:
    return copy.deepcopy(document)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every directory row and audit entry, to show an import left the database as it was."""
    from continuum.audit.models import AuditEntry
    from continuum.directory.tables import TABLES

    rows: dict[str, list[tuple[Any, ...]]] = {}
    for name, table in TABLES.items():
        model = table.model or models.OtherRecord
        query = model._default_manager.all()
        if table.model is None:
            query = query.filter(table=name)
        rows[name] = sorted(tuple(v) for v in query.values_list())
    rows["audit"] = [tuple(v) for v in AuditEntry.objects.values_list("sequence", "action")]
    return rows


@contextmanager
def writes() -> Iterator[list[str]]:
    """The SQL statements that changed anything while the block ran."""
    found: list[str] = []
    with CaptureQueriesContext(connection) as captured:
        yield found
    for query in captured.captured_queries:
        verb = query["sql"].lstrip().split(" ", 1)[0].upper()
        if verb in ("INSERT", "UPDATE", "DELETE", "REPLACE"):
            found.append(query["sql"])
