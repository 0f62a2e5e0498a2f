from django.urls import path

from continuum.access import views

app_name = "access"
urlpatterns = [
    path("emergency/", views.open_emergency, name="emergency"),
    path("emergency/<uuid:grant_id>/review/", views.review, name="review_emergency"),
]
