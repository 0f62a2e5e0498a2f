from django.apps import AppConfig


class DraftsConfig(AppConfig):
    name = "continuum.drafts"
    label = "drafts"
