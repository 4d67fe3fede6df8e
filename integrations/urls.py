from django.urls import path

from . import views

app_name = "integrations"
urlpatterns = [
    path("", views.integration_list, name="list"),
    path("new/<slug:kind>/", views.integration_new, name="new"),
    path("<int:pk>/", views.integration_edit, name="edit"),
    path("<int:pk>/status/", views.integration_status, name="status"),
    path("<int:pk>/credentials/", views.integration_credentials, name="credentials"),
    path("<int:pk>/check/", views.integration_check, name="check"),
    path("<int:pk>/pull/", views.integration_pull, name="pull"),
    path("<int:pk>/connect/", views.integration_connect, name="connect"),
    path("<int:pk>/delete/", views.integration_delete, name="delete"),
    # The token in the path is a credential: log lines redact it (core.log_redaction).
    path("events/<str:token>/", views.event, name="event"),
]
