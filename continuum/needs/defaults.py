"""The default need domains: the sixteen of the guidelines (DOMAIN.md), and "something else"
for an immediate need that fits none of them. Migration 0003 seeded these; a database
emptied since (a test's flush) gets them back after `migrate` (apps.py)."""

from __future__ import annotations

DEFAULT_DOMAINS: tuple[tuple[str, str], ...] = (
    ("shelter", "Shelter and housing"),
    ("food", "Culturally appropriate food"),
    ("clothing", "Seasonally appropriate clothing and shoes"),
    ("language", "Language needs"),
    ("legal", "Immigration, criminal or civil legal support"),
    ("benefits", "Public benefits"),
    ("court_advocacy", "Court accompaniment and advocacy"),
    ("transportation", "Transportation"),
    ("medical", "Medical care (prescriptions, dental, vision)"),
    ("substance_use", "Substance use treatment"),
    ("mental_health", "Mental health services"),
    ("family", "Their children or other family members"),
    ("compensation", "Victim compensation funding"),
    ("community", "Culturally specific or faith communities"),
    ("education", "ESL, GED or other education"),
    ("employment", "Employment training or help"),
    ("other", "Something else"),
)
POSITION = {code: n for n, (code, _name) in enumerate(DEFAULT_DOMAINS, start=1)}
NAME = dict(DEFAULT_DOMAINS)


def install_default_domains() -> int:
    """Put the default domains in an empty table; leave a community's own set alone."""
    from continuum.needs.models import NeedDomain

    if NeedDomain.objects.exists():
        return 0
    NeedDomain.objects.bulk_create(
        NeedDomain(code=code, name=name, position=POSITION[code]) for code, name in DEFAULT_DOMAINS
    )
    return len(DEFAULT_DOMAINS)
