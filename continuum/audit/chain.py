"""The keyed hash chain over audit entries.

Each entry's hash is an HMAC (key: CONTINUUM_AUDIT_KEY, kept outside the database) over its
own fields and the previous entry's hash. Changing, removing or inserting any entry breaks
every hash after it, and a copy of the database alone is not enough to forge a new chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC
from typing import Any

from django.conf import settings

GENESIS = "0" * 64


def entry_hash(fields: dict[str, Any], previous_hash: str) -> str:
    message = json.dumps(
        {**fields, "previous_hash": previous_hash},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        default=str,
    )
    return hmac.new(
        settings.CONTINUUM_AUDIT_KEY.encode(), message.encode(), hashlib.sha256
    ).hexdigest()


def hashed_fields(entry: Any) -> dict[str, Any]:
    """The fields covered by the hash, read the same way on write and on verify."""
    return {
        "sequence": entry.sequence,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "user_id": entry.user_id,
        "username": entry.username,
        "agency_id": entry.agency_id,
        "role": entry.role,
        "via": entry.via,
        "action": entry.action,
        "survivor_id": str(entry.survivor_id) if entry.survivor_id else None,
        "case_id": str(entry.case_id) if entry.case_id else None,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "detail": entry.detail,
    }
