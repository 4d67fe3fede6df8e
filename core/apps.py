from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared core: one module per concern (mail, delivery, periods, tasks, csv,
    tokens, forms, charts). It imports no other app of the product."""

    name = "core"
    verbose_name = "msp-maturity"

    def ready(self):
        from . import delivery  # noqa: F401 - defines the e-mail tasks
