from django.urls import path

from continuum.drafts import views

app_name = "drafts"
urlpatterns = [
    # IdleLogoutMiddleware knows this path: checked against the idle limit, never activity.
    path("save/", views.save, name="save"),
    path("discard/", views.discard, name="discard"),
]
