from django.urls import path

app_name = "survivors"
urlpatterns: list = []
