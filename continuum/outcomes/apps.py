from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "continuum.outcomes"
    label = "outcomes"
