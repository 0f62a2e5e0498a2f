from django.urls import path

from continuum.exports import views

app_name = "exports"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("approvals/", views.queue, name="queue"),
    path("new/<uuid:survivor_id>/", views.request_export, name="request"),
    path("<uuid:export_id>/", views.detail, name="detail"),
    path("<uuid:export_id>/approve/", views.approve, name="approve"),
    path("<uuid:export_id>/refuse/", views.refuse, name="refuse"),
    path("<uuid:export_id>/download/", views.download, name="download"),
]
