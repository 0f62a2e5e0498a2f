from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "continuum.retention"
    label = "retention"
