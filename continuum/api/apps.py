from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "continuum.api"
    label = "api"
