from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("escalations/", views.escalations, name="escalations"),
    path("proactive/", views.proactive, name="proactive"),
    path("sla/", views.sla, name="sla"),
    path("satisfaction/", views.satisfaction, name="satisfaction"),
    path("turnover/", views.turnover, name="turnover"),
    path("clients/<int:pk>/", views.client_detail, name="client_detail"),
    path("tickets/", views.ticket_list, name="ticket_list"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("export/<slug:table>.csv", views.export, name="export"),
]
