from django.urls import path

from continuum.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.sign_in, name="login"),
    path("verify/", views.verify, name="verify"),
    path("enroll/", views.enroll, name="enroll"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("recovery-codes/new/", views.new_recovery_codes, name="new_recovery_codes"),
    path("switch/", views.switch_agency, name="switch_agency"),
    path("logout/", views.sign_out, name="logout"),
    path("logout-everywhere/", views.sign_out_everywhere, name="logout_everywhere"),
    path("keepalive/", views.keepalive, name="keepalive"),
    path("timed-out/", views.timed_out, name="timed_out"),
    path("", views.security, name="security"),
    path("password/", views.change_password, name="password"),
    path("tokens/", views.api_tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.revoke_api_token, name="revoke_token"),
]
