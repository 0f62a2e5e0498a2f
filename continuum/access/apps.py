from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "continuum.access"
    label = "access"
