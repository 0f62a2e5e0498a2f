from django.urls import path

from continuum.protocols import views

app_name = "protocols"
urlpatterns = [
    path("", views.protocol, name="protocol"),
    path("start/", views.start, name="start"),
    path("settings/", views.edit, name="edit"),
    path("members/add/", views.add_member, name="add_member"),
    path("members/<int:agency_id>/", views.member, name="member"),
    path("members/<int:agency_id>/remove/", views.remove_member, name="remove_member"),
    path("holidays/", views.holidays, name="holidays"),
    path("holidays/<int:holiday_id>/remove/", views.remove_holiday, name="remove_holiday"),
    path("training/", views.training, name="training"),
    path("training/<int:requirement_id>/remove/", views.remove_training, name="remove_training"),
    path("mous/", views.mous, name="mous"),
    path("mous/<int:mou_id>/", views.mou, name="mou"),
    path("mous/<int:mou_id>/send/", views.send_mou, name="send_mou"),
    path("mous/<int:mou_id>/in-force/", views.mou_in_force, name="mou_in_force"),
    path("conflicts/", views.conflicts, name="conflicts"),
    path("conflicts/<int:conflict_id>/", views.conflict, name="conflict"),
    path("conflicts/<int:conflict_id>/resolve/", views.resolve_conflict, name="resolve_conflict"),
]
