from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "continuum.directory"
    label = "directory"
