from django.apps import AppConfig


class MspMaturityConfig(AppConfig):
    name = "msp_maturity"
    verbose_name = "msp-maturity"
