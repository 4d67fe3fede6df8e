from django.urls import path
from django.views.generic import TemplateView

app_name = "assessments"
urlpatterns = [
    # Replaced by the real questionnaire views.
    path("", TemplateView.as_view(template_name="home.html"), name="start"),
]
