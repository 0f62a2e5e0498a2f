from django.urls import path

from continuum.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("services/<uuid:service_id>/", views.service, name="service"),
    path("ours/", views.ours, name="ours"),
    path("ours/organization/", views.organization, name="organization"),
    path("ours/services/add/", views.add_service, name="add_service"),
    path("ours/services/<uuid:service_id>/", views.edit_service, name="edit_service"),
    path("ours/services/<uuid:service_id>/terms/", views.service_terms, name="service_terms"),
    path("ours/services/<uuid:service_id>/capacity/", views.capacity, name="capacity"),
    path("ours/services/<uuid:service_id>/still-true/", views.still_true, name="still_true"),
    path("ours/locations/add/", views.add_location, name="add_location"),
    path("ours/locations/<uuid:location_id>/", views.edit_location, name="edit_location"),
]
