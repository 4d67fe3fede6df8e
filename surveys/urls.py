from django.urls import path, re_path

from . import views

app_name = "surveys"

urlpatterns = [
    # Public: the personal link, no login.
    path("r/<str:token>/", views.respond, name="respond"),
    re_path(r"^r/(?P<rest>.*)$", views.respond_unknown, name="respond_unknown"),
    path("thanks/", views.thanks, name="thanks"),
    # Technicians: their own surveys.
    path("mine/", views.my_surveys, name="my_surveys"),
    path("mine/<int:pk>/", views.my_response, name="my_response"),
    # Managers.
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("campaigns/<int:pk>/send-again/", views.campaign_resend, name="campaign_resend"),
    path("brand/", views.brand_settings, name="brand_settings"),
    # Consent: the suppression list and the opt-out marks (organisation.consent).
    path("consent/", views.suppression_list, name="suppression_list"),
    path("consent/<int:pk>/remove/", views.suppression_remove, name="suppression_remove"),
    path("consent/clients/<int:pk>/", views.client_opt_out, name="client_opt_out"),
    path("consent/contacts/<int:pk>/", views.contact_opt_out, name="contact_opt_out"),
    path("results/", views.results_index, name="results"),
    path("results/clients/", views.results_clients, name="results_clients"),
    path("results/pulse/", views.results_pulse, name="results_pulse"),
    path("results/<slug:kind>/", views.results_aggregate, name="results_aggregate"),
    path("results/<slug:report>/<slug:table>.csv", views.export, name="export"),
]
