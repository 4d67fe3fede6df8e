from .brand import brand_settings
from .campaigns import (
    campaign_close,
    campaign_create,
    campaign_detail,
    campaign_list,
    campaign_resend,
)
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
    "export",
    "my_response",
    "my_surveys",
    "respond",
    "respond_unknown",
    "results_aggregate",
    "results_clients",
    "results_index",
    "results_pulse",
    "thanks",
]
