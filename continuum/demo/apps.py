from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "continuum.demo"
    label = "demo"
