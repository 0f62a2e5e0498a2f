from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "continuum.core"
    label = "core"
