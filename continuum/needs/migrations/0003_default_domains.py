"""The sixteen need domains of the guidelines (DOMAIN.md), and "something else" for an
immediate need that fits none of them. A community may add or rename domains."""

from django.db import migrations

DOMAINS = [
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
]


def add_domains(apps, schema_editor):
    NeedDomain = apps.get_model("needs", "NeedDomain")
    for position, (code, name) in enumerate(DOMAINS, start=1):
        NeedDomain.objects.get_or_create(code=code, defaults={"name": name, "position": position})


class Migration(migrations.Migration):
    dependencies = [("needs", "0002_initial")]
    operations = [migrations.RunPython(add_domains, migrations.RunPython.noop)]
