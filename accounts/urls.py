from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/", views.sign_in_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/security/", views.security, name="security"),
    path("account/security/two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path(
        "account/security/two-factor/off/",
        views.two_factor_turn_off,
        name="two_factor_turn_off",
    ),
]
