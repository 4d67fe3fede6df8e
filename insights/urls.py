from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("start/", views.start, name="start"),
    path("attention/", views.attention_page, name="attention"),
    path("clients/", views.client_list, name="client_list"),
    path("escalations/", views.escalations, name="escalations"),
    path("proactive/", views.proactive, name="proactive"),
    path("sla/", views.sla, name="sla"),
    path("sla/reconciliation/", views.sla_reconciliation, name="sla_reconciliation"),
    path("satisfaction/", views.satisfaction, name="satisfaction"),
    path("turnover/", views.turnover, name="turnover"),
    path("clients/<int:pk>/", views.client_detail, name="client_detail"),
    # The client picker's search (core.name_picker): JSON, managers only.
    path("clients/search", views.client_search, name="client_search"),
    path("tickets/", views.ticket_list, name="ticket_list"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("alerts/chat/", views.chat_channels, name="chat_channels"),
    path("alerts/chat/new/", views.chat_channel_new, name="chat_channel_new"),
    path("alerts/chat/<int:pk>/", views.chat_channel_edit, name="chat_channel_edit"),
    path("alerts/chat/<int:pk>/delete/", views.chat_channel_delete, name="chat_channel_delete"),
    path("alerts/chat/<int:pk>/test/", views.chat_channel_test, name="chat_channel_test"),
    path("export/<slug:table>.csv", views.export, name="export"),
]
