"""42 CFR Part 2: substance use disorder treatment records.

A release that covers the substance-use category must carry every element of a Part 2
written consent (42 CFR 2.31), and every disclosure made under it carries the notice
prohibiting re-disclosure (42 CFR 2.32). The wording below is the regulation's own (2024
final rule), which is why it is not in plain language: recipients must see the legal text.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from continuum.access.categories import DataCategory

PART2_CATEGORY = DataCategory.SUBSTANCE_USE

# 42 CFR 2.32(a)(1), as amended by the final rule of 16 February 2024.
REDISCLOSURE_NOTICE = _(
    "This record which has been disclosed to you is protected by Federal confidentiality "
    "rules (42 CFR part 2). These rules prohibit you from using or disclosing this record, "
    "or testimony that describes the information contained in this record, in any civil, "
    "criminal, administrative, or legislative proceedings by any Federal, State, or local "
    "authority, against the patient, unless authorized by the consent of the patient, "
    "except as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with "
    "42 CFR 2.64 or 2.65. In addition, the Federal rules prohibit you from making any other "
    "use or disclosure of this record unless at least one of the following applies: "
    "(i) Further use or disclosure is expressly permitted by the written consent of the "
    "individual whose information is being disclosed in this record or as otherwise "
    "permitted by 42 CFR part 2. (ii) You are a covered entity or business associate and "
    "have received the record for treatment, payment, or health care operations, or "
    "(iii) You have received the record from a covered entity or business associate as "
    "permitted by 45 CFR part 164, subparts A and E. A general authorization for the "
    "release of medical or other information is NOT sufficient to meet the required "
    "elements of written consent to further use or redisclose the record (see 42 CFR 2.31)."
)


def redisclosure_notice(category: str, from_agency_id: int | None, reader_agency_id: int) -> str:
    """The 2.32 notice that substance-use information must carry when it reaches another
    agency than the one that recorded it (every page, API answer and export that shows it);
    "" when none is needed."""
    if category == PART2_CATEGORY and from_agency_id != reader_agency_id:
        return str(REDISCLOSURE_NOTICE)
    return ""


def notice_for_any(shown: Iterable[tuple[str, int | None]], reader_agency_id: int) -> str:
    """The notice for a page that shows these (category, recording agency) items, when any of
    them needs it; "" otherwise."""
    for category, from_agency_id in shown:
        if notice := redisclosure_notice(category, from_agency_id, reader_agency_id):
            return notice
    return ""
