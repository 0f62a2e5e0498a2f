from django.apps import AppConfig


class SurvivorsConfig(AppConfig):
    name = "continuum.survivors"
    label = "survivors"
