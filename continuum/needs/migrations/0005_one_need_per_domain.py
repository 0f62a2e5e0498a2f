"""Each default domain's data category and "why we ask"; one need per domain on a case, with
its history.

Before this, a case could hold several needs in one domain (each screening added its own).
Now a need is the domain's state on the case and every earlier look at it is an entry: the
earliest need of each domain is kept, and every need of that domain becomes one of its
entries, oldest first, so nothing anyone recorded is lost.

The values are a frozen copy of continuum.needs.defaults (a migration must not import code
that changes later); tests/needs/test_defaults.py checks they agree.
"""

from django.db import migrations, models

DOMAINS = {
    "shelter": ("needs", "So you have a safe place to stay tonight and later on.", False),
    "food": ("needs", "So you have enough to eat, and food that is right for you.", False),
    "clothing": (
        "needs",
        "So you have clothes and shoes for the weather and for what you do.",
        False,
    ),
    "language": (
        "needs",
        "So everyone can talk with you in the language you are most at ease in.",
        False,
    ),
    "legal": ("legal", "So you get a lawyer's help with anything legal that worries you.", True),
    "benefits": ("needs", "So you get the money and help you are entitled to.", False),
    "court_advocacy": (
        "legal",
        "So you never have to go to court alone, and know what to expect there.",
        False,
    ),
    "transportation": ("needs", "So you can get to school, work and appointments.", False),
    "medical": (
        "health",
        "So you can see a doctor, dentist or eye doctor when you need to.",
        False,
    ),
    "substance_use": (
        "substance_use",
        "Many young people use something to cope with what happened to them. We ask so that "
        "help is there if you want it; federal law protects what you tell us.",
        True,
    ),
    "mental_health": (
        "mental_health",
        "So you can talk with someone who helps people heal after hard things.",
        True,
    ),
    "family": ("needs", "So the people you care for, or who care for you, get help too.", True),
    "compensation": (
        "needs",
        "The state can pay some costs of what happened to you; we help you apply.",
        False,
    ),
    "community": (
        "needs",
        "So you can be part of a community that feels like yours, if you want.",
        False,
    ),
    "education": (
        "education",
        "So you can keep learning, in school or another way that suits you.",
        False,
    ),
    "employment": ("needs", "So you can find work you want, when you are ready.", False),
    "other": ("needs", "Anything else you need that we missed.", False),
}


def describe_domains(apps, schema_editor):
    NeedDomain = apps.get_model("needs", "NeedDomain")
    for code, (category, why, sensitive) in DOMAINS.items():
        NeedDomain.objects.filter(code=code, why_we_ask="").update(
            category=category, why_we_ask=why, sensitive=sensitive
        )


def one_need_per_domain(apps, schema_editor):
    Need = apps.get_model("needs", "Need")
    NeedEntry = apps.get_model("needs", "NeedEntry")
    groups = {}
    for need in Need.objects.order_by("identified_at", "pk"):
        groups.setdefault((need.case_id, need.domain_id), []).append(need)
    for needs in groups.values():
        keeper = needs[0]
        for number, need in enumerate(needs, start=1):
            NeedEntry.objects.create(
                need=keeper,
                version=number,
                status=need.status,
                urgency=need.urgency,
                description=need.description,
                method="screening" if need.source == "screening" else "",
                source=need.source,
                source_screening_id=need.source_screening_id,
                recorded_at=need.identified_at,
                recorded_by_id=need.identified_by_id,
                recorded_by_agency_id=need.identified_by_agency_id,
            )
        latest = needs[-1]
        keeper.version = len(needs)
        keeper.status = latest.status
        keeper.urgency = latest.urgency
        keeper.description = latest.description
        keeper.survivor_words = ""
        keeper.observations = ""
        keeper.method = "screening" if latest.source == "screening" else ""
        keeper.updated_at = latest.identified_at
        keeper.updated_by_id = latest.identified_by_id
        keeper.updated_by_agency_id = latest.identified_by_agency_id
        keeper.save()
        Need.objects.filter(pk__in=[n.pk for n in needs[1:]]).delete()


class Migration(migrations.Migration):
    dependencies = [("needs", "0004_assessment")]
    operations = [
        migrations.RunPython(describe_domains, migrations.RunPython.noop),
        migrations.RunPython(one_need_per_domain, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="need",
            constraint=models.UniqueConstraint(
                fields=("case", "domain"), name="need_one_per_domain"
            ),
        ),
    ]
