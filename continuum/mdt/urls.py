from django.urls import path

from continuum.mdt import views

app_name = "mdt"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cases/<uuid:case_id>/convene/", views.convene, name="convene"),
    path("meetings/<uuid:meeting_id>/", views.meeting, name="meeting"),
    path("meetings/<uuid:meeting_id>/attendance/", views.attendance, name="attendance"),
    path("meetings/<uuid:meeting_id>/decisions/", views.decide, name="decide"),
    path("meetings/<uuid:meeting_id>/hold/", views.hold, name="hold"),
    path("meetings/<uuid:meeting_id>/cancel/", views.cancel, name="cancel"),
    path("meetings/<uuid:meeting_id>/invitation.ics", views.ics, name="ics"),
]
