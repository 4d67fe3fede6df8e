from django.urls import path

from . import views

app_name = "organisation"

urlpatterns = [
    # Public: client pages and e-mails load these; the digest or colour in the path
    # changes with the content, so they may be cached for good.
    path("brand/logo/<str:digest>", views.brand_logo, name="brand_logo"),
    path("brand/style-<str:version>.css", views.brand_style, name="brand_style"),
    # Public: the personal link in every client e-mail, and its one-click POST.
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
