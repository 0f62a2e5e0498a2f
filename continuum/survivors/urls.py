from django.urls import path

from continuum.cases import views as case_views
from continuum.survivors import views

app_name = "survivors"
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("<uuid:survivor_id>/", views.detail, name="detail"),
    path("<uuid:survivor_id>/edit/", views.edit, name="edit"),
    path("<uuid:survivor_id>/access-log/", views.access_log, name="access_log"),
    path("<uuid:survivor_id>/hand-over/", views.hand_over, name="hand_over"),
    path("<uuid:survivor_id>/sharing/", views.sharing, name="sharing"),
    path(
        "<uuid:survivor_id>/exploiters/",
        views.add_suspected_exploiter,
        name="add_suspected_exploiter",
    ),
    path("<uuid:survivor_id>/releases/new/", views.new_release, name="new_release"),
    path(
        "<uuid:survivor_id>/releases/<uuid:release_id>/revoke/",
        views.revoke_release,
        name="revoke_release",
    ),
    path(
        "<uuid:survivor_id>/releases/<uuid:release_id>/signed-form/",
        views.signed_form,
        name="signed_form",
    ),
    path(
        "<uuid:survivor_id>/releases/<uuid:release_id>/signed-form/download/",
        views.download_signed_form,
        name="download_signed_form",
    ),
    path("<uuid:survivor_id>/legal-bases/new/", views.new_legal_basis, name="new_legal_basis"),
    path(
        "<uuid:survivor_id>/legal-bases/<uuid:basis_id>/end/",
        views.end_legal_basis,
        name="end_legal_basis",
    ),
    path(
        "<uuid:survivor_id>/legal-bases/<uuid:basis_id>/informed/",
        views.basis_informed,
        name="basis_informed",
    ),
    path("<uuid:survivor_id>/cases/new/", case_views.open_for_survivor, name="open_case"),
]
