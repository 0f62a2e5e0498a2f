"""The default need domains: the sixteen of the guidelines (DOMAIN.md), and "something else"
for an immediate need that fits none of them. Migrations 0003 and 0004 seeded these; a
database emptied since (a test's flush) gets them back after `migrate` (apps.py).

Each domain has the data category that protects what is written about it, and a "why we
ask" in words a case manager can read aloud. Migrations keep frozen copies of these values
(a migration must not import code that changes later); a test checks they agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DomainDefault:
    code: str
    name: str
    category: str = "needs"
    why_we_ask: str = ""
    sensitive: bool = False


DEFAULT_DOMAINS: tuple[DomainDefault, ...] = (
    DomainDefault(
        "shelter",
        "Shelter and housing",
        why_we_ask="So you have a safe place to stay tonight and later on.",
    ),
    DomainDefault(
        "food",
        "Culturally appropriate food",
        why_we_ask="So you have enough to eat, and food that is right for you.",
    ),
    DomainDefault(
        "clothing",
        "Seasonally appropriate clothing and shoes",
        why_we_ask="So you have clothes and shoes for the weather and for what you do.",
    ),
    DomainDefault(
        "language",
        "Language needs",
        why_we_ask="So everyone can talk with you in the language you are most at ease in.",
    ),
    DomainDefault(
        "legal",
        "Immigration, criminal or civil legal support",
        category="legal",
        why_we_ask="So you get a lawyer's help with anything legal that worries you.",
        sensitive=True,
    ),
    DomainDefault(
        "benefits",
        "Public benefits",
        why_we_ask="So you get the money and help you are entitled to.",
    ),
    DomainDefault(
        "court_advocacy",
        "Court accompaniment and advocacy",
        category="legal",
        why_we_ask="So you never have to go to court alone, and know what to expect there.",
    ),
    DomainDefault(
        "transportation",
        "Transportation",
        why_we_ask="So you can get to school, work and appointments.",
    ),
    DomainDefault(
        "medical",
        "Medical care (prescriptions, dental, vision)",
        category="health",
        why_we_ask="So you can see a doctor, dentist or eye doctor when you need to.",
    ),
    DomainDefault(
        "substance_use",
        "Substance use treatment",
        category="substance_use",
        why_we_ask=(
            "Many young people use something to cope with what happened to them. We ask "
            "so that help is there if you want it; federal law protects what you tell us."
        ),
        sensitive=True,
    ),
    DomainDefault(
        "mental_health",
        "Mental health services",
        category="mental_health",
        why_we_ask="So you can talk with someone who helps people heal after hard things.",
        sensitive=True,
    ),
    DomainDefault(
        "family",
        "Their children or other family members",
        why_we_ask="So the people you care for, or who care for you, get help too.",
        sensitive=True,
    ),
    DomainDefault(
        "compensation",
        "Victim compensation funding",
        why_we_ask="The state can pay some costs of what happened to you; we help you apply.",
    ),
    DomainDefault(
        "community",
        "Culturally specific or faith communities",
        why_we_ask="So you can be part of a community that feels like yours, if you want.",
    ),
    DomainDefault(
        "education",
        "ESL, GED or other education",
        category="education",
        why_we_ask="So you can keep learning, in school or another way that suits you.",
    ),
    DomainDefault(
        "employment",
        "Employment training or help",
        why_we_ask="So you can find work you want, when you are ready.",
    ),
    DomainDefault("other", "Something else", why_we_ask="Anything else you need that we missed."),
)
BY_CODE = {d.code: d for d in DEFAULT_DOMAINS}
POSITION = {d.code: n for n, d in enumerate(DEFAULT_DOMAINS, start=1)}
NAME = {d.code: d.name for d in DEFAULT_DOMAINS}


def install_default_domains() -> int:
    """Put the default domains in an empty table; leave a community's own set alone."""
    from continuum.needs.models import NeedDomain

    if NeedDomain.objects.exists():
        return 0
    NeedDomain.objects.bulk_create(
        NeedDomain(
            code=d.code,
            name=d.name,
            position=POSITION[d.code],
            category=d.category,
            why_we_ask=d.why_we_ask,
            sensitive=d.sensitive,
        )
        for d in DEFAULT_DOMAINS
    )
    return len(DEFAULT_DOMAINS)
