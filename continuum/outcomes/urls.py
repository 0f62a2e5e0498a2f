from django.urls import path

from continuum.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("", views.index, name="index"),
    path("needs/", views.needs, name="needs"),
    path("mdt/", views.mdt, name="mdt"),
    path("referrals/", views.referrals, name="referrals"),
    path("gaps/", views.gaps, name="gaps"),
]
