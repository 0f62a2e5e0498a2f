from django.urls import path

from continuum.plans import views

app_name = "plans"
urlpatterns = [
    path("cases/<uuid:case_id>/", views.plan, name="plan"),
    path("cases/<uuid:case_id>/goals/new/", views.goal_form, name="add_goal"),
    path("cases/<uuid:case_id>/goals/<uuid:goal_id>/", views.goal_form, name="edit_goal"),
    path("cases/<uuid:case_id>/tasks/new/", views.task_form, name="add_task"),
    path("cases/<uuid:case_id>/tasks/<uuid:task_id>/", views.task_form, name="edit_task"),
    path("cases/<uuid:case_id>/tasks/<uuid:task_id>/status/", views.move_task, name="move_task"),
    path("cases/<uuid:case_id>/services/new/", views.service_form, name="add_service"),
    path(
        "cases/<uuid:case_id>/services/<uuid:service_id>/",
        views.service_form,
        name="edit_service",
    ),
    path("cases/<uuid:case_id>/review/", views.review, name="review"),
    path("cases/<uuid:case_id>/settings/", views.settings, name="settings"),
    path("cases/<uuid:case_id>/versions/", views.versions, name="versions"),
    path("cases/<uuid:case_id>/versions/<int:number>/", views.version, name="version"),
    path("cases/<uuid:case_id>/print/", views.survivor_copy, name="print"),
    path("cases/<uuid:case_id>/appointments/", views.appointments, name="appointments"),
    path(
        "cases/<uuid:case_id>/appointments/<uuid:appointment_id>/",
        views.edit_appointment,
        name="edit_appointment",
    ),
]
