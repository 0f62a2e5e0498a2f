from django.apps import AppConfig


class MdtConfig(AppConfig):
    name = "continuum.mdt"
    label = "mdt"
