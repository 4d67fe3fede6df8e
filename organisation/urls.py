from django.urls import path

from . import views

app_name = "organisation"

urlpatterns = [
    # Public: the personal link in every client e-mail, and its one-click POST.
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
