from django.urls import path

from continuum.referrals import match_views, views

app_name = "referrals"

urlpatterns = [
    # Closed-loop referrals (continuum/referrals/views.py).
    path("new/", views.new, name="new"),
    path("new/inquiry/", views.new_inquiry, name="new_inquiry"),
    path("intake/", views.intake, name="intake"),
    path("sent/", views.sent, name="sent"),
    path("<uuid:referral_id>/", views.referral, name="referral"),
    path("<uuid:referral_id>/move/", views.move, name="move"),
    path("<uuid:referral_id>/outcome/", views.outcome, name="outcome"),
    path("<uuid:referral_id>/fhir.json", views.fhir_bundle, name="fhir"),
    # Matching (continuum/referrals/match_views.py): ids only in the URL; criteria are posted.
    path("match/", match_views.match, name="match"),
    path(
        "cases/<uuid:case_id>/needs/<uuid:need_id>/match/",
        match_views.match_need,
        name="match_need",
    ),
    path("placements/", match_views.placements, name="placements"),
    path(
        "cases/<uuid:case_id>/placements/",
        match_views.placements_for_case,
        name="placements_case",
    ),
]
