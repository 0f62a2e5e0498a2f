from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "continuum.accounts"
    label = "accounts"
