from django.urls import path

from continuum.screening import views, views_setup

app_name = "screening"
urlpatterns = [
    # The screening session (views.py)
    path("", views.screenings, name="list"),
    path("start/", views.start, name="start"),
    path("<uuid:screening_id>/", views.screen, name="screen"),
    path("<uuid:screening_id>/safety/", views.safety, name="safety"),
    path("<uuid:screening_id>/calls/", views.record_call, name="record_call"),
    path("<uuid:screening_id>/result/", views.result, name="result"),
    path("<uuid:screening_id>/response.json", views.response_json, name="response_json"),
    path("report/", views.report, name="report"),
    # Instruments, safety numbers and screening training (views_setup.py)
    path("instruments/", views_setup.instruments, name="instruments"),
    path("instruments/import/", views_setup.import_instrument, name="import_instrument"),
    path("instruments/<int:instrument_id>/", views_setup.instrument, name="instrument"),
    path(
        "instruments/<int:instrument_id>/questionnaire.json",
        views_setup.export_instrument,
        name="export_instrument",
    ),
    path("safety-numbers/", views_setup.safety_lines, name="safety_lines"),
    path("training/", views_setup.training, name="training"),
]
