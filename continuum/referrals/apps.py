from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "continuum.referrals"
    label = "referrals"
