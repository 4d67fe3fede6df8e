from django.urls import path

from . import views

app_name = "kpis"
urlpatterns = [
    path("import/", views.import_upload, name="import"),
    path("import/jobs/<int:pk>/", views.import_job, name="import_job"),
    path("webhook/tickets/", views.webhook, name="webhook"),
]
