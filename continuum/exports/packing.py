"""Packing an approved export: the record as its requester may see it, in an encrypted ZIP.

What goes in is read through the same scoped queries as the requester's own pages
(survivors.queries.survivor_for, cases_of, releases_of, legal_bases_of), acting as the
requester, so access.sharing has already blanked every category they may not see: a withheld
category is left out of the file and named as withheld. Those reads are not audited one by one:
the approval's audit entry says which categories and how many cases went into the file, and
each download is audited.

The ZIP is AES-256 encrypted (WinZip AE-2, opened by 7-Zip, WinZip, macOS Archive Utility with
7-Zip or Keka, and `pyzipper`) with a passphrase made here from `secrets`. It holds:

- record.json — everything, for programs;
- record.csv — the same as a table (section, item, value) for people, UTF-8 for spreadsheets;
- README.txt — what the file is, what was left out, and how to keep it.

Each case carries the notes the requester may read; a substance-use note another agency wrote
carries the 42 CFR 2.32 re-disclosure notice, as it does on screen.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pyzipper
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access.actor import Actor
from continuum.access.categories import SURVIVOR_FIELDS, DataCategory
from continuum.access.part2 import REDISCLOSURE_NOTICE, redisclosure_notice
from continuum.access.policy import Forbidden
from continuum.cases import queries as case_queries
from continuum.cases.models import Case
from continuum.needs import queries as needs_queries
from continuum.plans import queries as plan_queries
from continuum.plans import snapshot as plan_snapshot
from continuum.survivors import queries as survivor_queries
from continuum.survivors.actions import OPTIONAL_TEXT_FIELDS
from continuum.survivors.models import Survivor

# Lowercase letters and digits without the look-alikes 0/o, 1/l/i: easy to read out on the
# phone. 24 of them carry about 119 bits.
PASSPHRASE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 - an alphabet
PASSPHRASE_LENGTH = 24
PASSPHRASE_GROUP = 4
# Never put in an export: the people who must never sign for or be told about the survivor
# (a copy handed on could reach them), and why telling the survivor about a disclosure is not
# safe yet (staff notes about the danger). The lead agency shares those by other means.
LEFT_OUT = (
    "people who must never sign for them or be told about them",
    "why it is not yet safe to tell them about a disclosure",
)


def new_passphrase() -> str:
    """24 random characters from `secrets`, in groups of four: `k7qm-3xpt-…`."""
    chars = "".join(secrets.choice(PASSPHRASE_ALPHABET) for _ in range(PASSPHRASE_LENGTH))
    return "-".join(
        chars[i : i + PASSPHRASE_GROUP] for i in range(0, PASSPHRASE_LENGTH, PASSPHRASE_GROUP)
    )


@dataclass(frozen=True)
class Packed:
    archive: bytes
    passphrase: str
    categories: list[str]  # the record's categories in the file
    withheld: list[str]  # the categories the requester may not see, left out
    cases: int


@dataclass(frozen=True)
class About:
    """Who asked, why, and who approved: the file's first lines."""

    export_id: str
    purpose: str
    requested_by: str
    requested_at: datetime
    agency: str
    role: str
    approved_by: str
    approved_at: datetime


def pack_record(*, requester: Actor, survivor: Survivor, about: About) -> Packed:
    """Pack the record as `requester` sees it. `survivor` comes from
    survivors.queries.survivor_for(requester, ...): masked for them."""
    cases = survivor_queries.cases_of(requester, survivor)
    record = _record(requester, survivor, cases, about)
    passphrase = new_passphrase()
    archive = _zip(
        {
            "record.json": json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"),
            # With a byte-order mark, so that spreadsheets read accents correctly.
            "record.csv": _csv(record).encode("utf-8-sig"),
            "README.txt": _readme(record).encode("utf-8"),
        },
        passphrase,
    )
    withheld = sorted(str(c) for c in survivor.withheld)  # type: ignore[attr-defined]
    shown = sorted({str(c) for c in SURVIVOR_FIELDS.values()} - set(withheld))
    return Packed(archive, passphrase, shown, withheld, len(cases))


def _zip(files: dict[str, bytes], passphrase: str) -> bytes:
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(
        buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(passphrase.encode("utf-8"))
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# ---- the record, as plain data ----------------------------------------------------------------


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _record(requester: Actor, survivor: Survivor, cases: list[Case], about: About) -> dict:
    withheld = set(survivor.withheld)  # type: ignore[attr-defined]
    return {
        "export": {
            "id": about.export_id,
            "made_at": _value(about.approved_at),
            "purpose": about.purpose,
            "asked_for_by": about.requested_by,
            "asked_for_at": _value(about.requested_at),
            "agency": about.agency,
            "role": about.role,
            "approved_by": about.approved_by,
            "categories_included": sorted(
                DataCategory(c).label for c in set(SURVIVOR_FIELDS.values()) - withheld
            ),
            "categories_withheld": sorted(DataCategory(c).label for c in withheld),
            "not_included": list(LEFT_OUT),
        },
        "survivor": _survivor(survivor, withheld),
        "cases": [_case(requester, case) for case in cases],
        **_sharing(requester, survivor, withheld),
    }


def _survivor(survivor: Survivor, withheld: set[str]) -> dict[str, Any]:
    part: dict[str, Any] = {"id": str(survivor.pk)}
    for name, category in SURVIVOR_FIELDS.items():
        if category in withheld:
            continue
        field = Survivor._meta.get_field(name)
        value = getattr(survivor, name)
        if value is None and name in OPTIONAL_TEXT_FIELDS:
            value = ""  # recorded before the field existed: nothing recorded
        choices = getattr(field, "choices", None)
        if choices and value:
            value = str(dict(choices).get(value, value))
        part[name] = _value(value)
    if DataCategory.IDENTITY not in withheld:
        part["other_names"] = [
            {"name": alias.name, "kind": alias.get_kind_display()}
            for alias in survivor.aliases.all()
        ]
        part["age_today"] = survivor.age_on(timezone.localdate())
    return part


def _case(requester: Actor, case: Case) -> dict[str, Any]:
    notes = case_queries.readable_notes(requester, case)
    return {
        "reference": case.reference,
        "status": case.get_status_display(),
        "lead_agency": case.lead_agency.name,
        "opened_on": _value(case.opened_on),
        "abuse_report_intake_on": _value(case.report_received_on),
        "closed_on": _value(case.closed_on),
        "closure_reason": case.get_closure_reason_display() if case.closure_reason else None,
        "care_team": [
            {
                # Not named to a requester who may not know of it (cases_of marks it).
                "agency": None if member.agency_hidden else member.agency.name,
                "person": (
                    member.user.get_full_name()
                    if member.user and not member.agency_hidden
                    else None
                ),
                "role": member.get_role_display(),
                "since": _value(member.added_at),
            }
            for member in case.active_team  # type: ignore[attr-defined]
        ],
        "timeline": [
            {
                "at": _value(event.at),
                "what": event.summary,
                # Withheld on the timeline (a provider answering a health or treatment
                # referral): withheld here too.
                "by": None if event.author_withheld else event.by_user.get_full_name(),
                "agency": None if event.author_withheld else event.by_agency.name,
            }
            for event in case.timeline  # type: ignore[attr-defined]
        ],
        # The notes the requester reads on the notes page, nothing more.
        "notes": [
            {
                "at": _value(note.written_at),
                "kind": note.get_category_display(),
                "by": note.written_by.get_full_name(),
                "agency": note.written_by_agency.name,
                "text": note.body,
                **(
                    {"notice": str(REDISCLOSURE_NOTICE)}
                    if getattr(note, "redisclosed", False)
                    else {}
                ),
            }
            for note in notes
        ],
        **_needs(requester, case),
        **_plan(requester, case),
    }


def _needs(requester: Actor, case: Case) -> dict[str, Any]:
    """The assessment as the requester reads it: each domain looked at, and the sessions."""
    found = needs_queries.assessment_of(requester, case, audit=False)
    if found is None:
        return {"needs": [], "assessment_sessions": []}
    return {
        "needs": [
            {
                "area": row.domain.name,
                "status": row.need.get_status_display(),
                "how_soon": row.need.get_urgency_display() if row.need.urgency else None,
                "what_is_needed": row.need.description,
                "in_their_words": row.need.survivor_words or "",
                "observations": row.need.observations or "",
                "how_assessed": row.need.get_method_display() if row.need.method else None,
                "assessed_on": _value(row.need.assessed_on),
                "found": row.need.get_source_display(),
                "found_on": _value(row.need.identified_at),
                "come_back_later": row.need.deferred,
                **_notice(row.domain.category, row.need.updated_by_agency_id, requester),
            }
            for row in found.rows
            if row.need is not None
        ],
        "assessment_sessions": [
            {
                "number": held.number,
                "held_at": _value(held.held_at),
                "where": held.get_place_display(),
                "who_took_part": ", ".join(held.participants),
                "immediate_safety": held.get_safety_check_display(),
                "summary": held.summary,
            }
            for held in found.sessions
        ],
    }


def _plan(requester: Actor, case: Case) -> dict[str, Any]:
    """The care plan and the calendar as the requester reads them."""
    view = plan_queries.plan_of(requester, case, audit=False)
    appointments = plan_queries.appointments_of(requester, case, audit=False) or []
    goals = view.goals if view else []
    tasks = [t for g in goals for t in g.tasks] + (view.loose_tasks if view else [])
    return {
        "plan_goals": [
            {
                "goal": g.goal.words,
                "status": g.goal.get_status_display(),
                "meets": "; ".join(n.domain.name for n in g.needs),
                **_notice(g.goal.category, case.lead_agency_id, requester),
            }
            for g in goals
        ],
        "plan_tasks": [
            {
                "task": t.title,
                "who": plan_snapshot.owner_label(t),
                "by": _value(t.due_on),
                "status": t.get_status_display(),
                **_notice(t.category, case.lead_agency_id, requester),
            }
            for t in tasks
        ],
        "plan_last_gone_through_on": _value(view.plan.last_reviewed_on)
        if view and view.plan
        else None,
        "appointments": [
            {
                "when": _value(a.starts_at),
                "what": a.what,
                "where": a.place,
                "kind": a.get_kind_display(),
                "status": a.get_status_display(),
                **_notice(a.category, a.created_by_agency_id, requester),
            }
            for a in appointments
        ],
    }


def _notice(category: str, from_agency_id: int | None, requester: Actor) -> dict[str, str]:
    """42 CFR 2.32: another agency's substance-use information carries the notice in the
    file too (as a "notice" field), as it does on screen."""
    notice = redisclosure_notice(category, from_agency_id, requester.agency_id)
    return {"notice": notice} if notice else {}


def _sharing(requester: Actor, survivor: Survivor, withheld: set[str]) -> dict[str, Any]:
    """Releases and legal bases, as the agency leading care now lists them. Another agency,
    or a record whose cases are all closed, gets a note instead."""
    try:
        releases = survivor_queries.releases_of(requester, survivor)
        bases = survivor_queries.legal_bases_of(requester, survivor)
    except Forbidden:
        note = _("Listed only while your agency leads an open case for this person.")
        return {"releases": note, "legal_bases": note}
    return {
        "releases": [
            {
                "to": row.release.recipient_agency.name,
                "categories": row.categories,
                "purpose": row.release.purpose,
                "from": _value(row.release.starts_on),
                "until": _value(row.release.expires_on),
                "or_until": row.release.get_ends_on_event_display()
                if row.release.ends_on_event
                else None,
                "status": row.status,
                "survivor_signed_on": _value(row.release.survivor_signed_on),
                "guardian": row.release.guardian_name
                if DataCategory.IDENTITY not in withheld
                else None,
                "guardian_relationship": row.release.get_guardian_relationship_display()
                if row.release.guardian_relationship
                else None,
                "guardian_signed_on": _value(row.release.guardian_signed_on),
                "given_verbally": row.release.given_verbally,
                "recorded_at": _value(row.release.recorded_at),
                "revoked_at": _value(row.release.revoked_at),
            }
            for row in releases
        ],
        "legal_bases": [
            {
                "kind": row.basis.get_kind_display(),
                "reference": row.basis.reference,
                "to": row.basis.recipient_agency.name,
                "categories": row.categories,
                "from": _value(row.basis.starts_on),
                "until": _value(row.basis.expires_on),
                "status": row.status,
                "survivor_told_on": _value(row.basis.survivor_informed_on),
            }
            for row in bases
        ],
    }


# ---- the same, for people ---------------------------------------------------------------------

# A cell a spreadsheet would run as a formula ("=HYPERLINK(…)") is written as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    text = "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _rows(section: str, values: dict[str, Any]) -> list[list[str]]:
    rows = []
    for key, value in values.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for n, item in enumerate(value, start=1):
                label = f"{key.replace('_', ' ')} {n}"
                rows.append([section, label, ", ".join(_cell(v) for v in item.values() if v)])
        else:
            rows.append([section, key.replace("_", " "), _cell(value)])
    return rows


def _csv(record: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Section"), _("Item"), _("Value")])
    writer.writerows(_rows(_("About this export"), record["export"]))
    writer.writerows(_rows(_("The person"), record["survivor"]))
    for case in record["cases"]:
        writer.writerows(_rows(_("Case %(ref)s") % {"ref": case["reference"]}, case))
    parts = (("releases", _("Releases")), ("legal_bases", _("Sharing the law requires")))
    for part, title in parts:
        items = record[part]
        if isinstance(items, str):
            writer.writerow([title, "", _cell(items)])
        for n, item in enumerate(items if isinstance(items, list) else [], start=1):
            writer.writerows(_rows(f"{title} {n}", item))
    return out.getvalue()


def _readme(record: dict[str, Any]) -> str:
    about = record["export"]
    withheld = ", ".join(about["categories_withheld"]) or _("nothing")
    return "\n".join(
        [
            _("Continuum: export of one survivor's record"),
            "",
            _("Asked for by %(who)s (%(role)s, %(agency)s) on %(when)s.")
            % {
                "who": about["asked_for_by"],
                "role": about["role"],
                "agency": about["agency"],
                "when": about["asked_for_at"],
            },
            _("Approved by %(who)s. Made on %(when)s.")
            % {"who": about["approved_by"], "when": about["made_at"]},
            _("Purpose: %(purpose)s") % {"purpose": about["purpose"]},
            "",
            _(
                "It holds what the person who asked may see of this record. Not shared with them, "
                "so not in this file: %(withheld)s."
            )
            % {"withheld": withheld},
            _("Never in an export: %(left_out)s.") % {"left_out": "; ".join(about["not_included"])},
            "",
            _(
                "record.csv is for people (open it in a spreadsheet); record.json is the same for "
                "programs."
            ),
            _(
                "This file identifies a survivor of exploitation. Keep it encrypted, share it only "
                "for the purpose above, never send the passphrase with the file, and destroy every "
                "copy when the purpose is served."
            ),
            "",
        ]
    )
