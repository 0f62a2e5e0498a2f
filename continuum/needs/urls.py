from django.urls import path

from continuum.needs import views

app_name = "needs"
urlpatterns = [
    path("domains/", views.domains, name="domains"),
    path("domains/<slug:code>/", views.edit_domain, name="edit_domain"),
    path("cases/<uuid:case_id>/", views.assessment, name="assessment"),
    path("cases/<uuid:case_id>/sessions/new/", views.start_session, name="start_session"),
    path("cases/<uuid:case_id>/sessions/<uuid:session_id>/", views.session, name="session"),
    path("cases/<uuid:case_id>/domains/<slug:code>/", views.domain, name="domain"),
]
