from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from . import views
from .auth_views import LoginView

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("assessment/", include("assessments.urls")),
    path("surveys/", include("surveys.urls")),
    path("kpis/", include("kpis.urls")),
]

admin.site.site_header = "msp-maturity"
admin.site.site_title = "msp-maturity"
