from .brand import brand_settings
from .campaigns import (
    campaign_close,
    campaign_create,
    campaign_detail,
    campaign_list,
    campaign_resend,
)
from .consent import client_opt_out, contact_opt_out, suppression_list, suppression_remove
from .mine import my_response, my_surveys
from .public import respond, respond_unknown, thanks
from .results import export, results_aggregate, results_clients, results_index, results_pulse

__all__ = [
    "brand_settings",
    "campaign_close",
    "campaign_create",
    "campaign_detail",
    "campaign_list",
    "campaign_resend",
    "client_opt_out",
    "contact_opt_out",
    "export",
    "my_response",
    "my_surveys",
    "respond",
    "respond_unknown",
    "results_aggregate",
    "results_clients",
    "results_index",
    "results_pulse",
    "suppression_list",
    "suppression_remove",
    "thanks",
]
