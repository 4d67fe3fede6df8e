from django.urls import path

from . import views

app_name = "kpis"
urlpatterns = [
    path("import/", views.import_upload, name="import"),
    path("import/jobs/<int:pk>/", views.import_job, name="import_job"),
    path("import/mappings/", views.mapping_list, name="mappings"),
    path("import/mappings/new/", views.mapping_new, name="mapping_new"),
    path(
        "import/mappings/ready-made/<slug:key>/",
        views.mapping_from_preset,
        name="mapping_from_preset",
    ),
    path("import/mappings/<int:pk>/", views.mapping_edit, name="mapping_edit"),
    path("import/mappings/<int:pk>/delete/", views.mapping_delete, name="mapping_delete"),
    path("webhook/tickets/", views.webhook, name="webhook"),
]
