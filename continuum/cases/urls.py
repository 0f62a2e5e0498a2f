from django.urls import path

from continuum.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.my_work, name="my_work"),
    path("<uuid:case_id>/edit/", views.edit, name="edit"),
    path("<uuid:case_id>/status/", views.change_status, name="status"),
    path("<uuid:case_id>/team/", views.care_team, name="care_team"),
    path("<uuid:case_id>/notes/", views.notes, name="notes"),
    path("<uuid:case_id>/team/people/", views.people, name="people"),
    path("<uuid:case_id>/tasks/<int:task_id>/done/", views.complete_task, name="complete_task"),
    path("<uuid:case_id>/team/<int:member_id>/remove/", views.remove_member, name="remove_member"),
]
