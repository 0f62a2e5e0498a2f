from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "continuum.exports"
    label = "exports"
