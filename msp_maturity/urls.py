from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("core.urls")),
    path("", include("accounts.urls")),
    path("", include("organisation.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("assessment/", include("assessments.urls")),
    path("surveys/", include("surveys.urls")),
    # The MSP's brand: its page for managers, the logo and style sheet of client pages.
    # The KPI pages: tickets, imports and alerts (kpis) and the pages that combine the
    # subjects (insights) share one address space, as they always have.
    path("kpis/", include("insights.urls")),
    path("kpis/", include("kpis.urls")),
    path("ratings/", include("ratings.urls")),
    path("integrations/", include("integrations.urls")),
]

# Styled error pages (templates/403.html, 404.html, 500.html, 503.html); a database that
# cannot be reached answers 503 with Retry-After.
handler500 = "core.views.server_error"
