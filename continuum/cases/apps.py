from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "continuum.cases"
    label = "cases"
