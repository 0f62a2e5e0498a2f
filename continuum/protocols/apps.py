from django.apps import AppConfig


class ProtocolsConfig(AppConfig):
    name = "continuum.protocols"
    label = "protocols"
