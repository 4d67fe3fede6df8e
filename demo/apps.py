from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data apart from the product: ``manage.py seed_demo``."""

    name = "demo"
    verbose_name = "Demo data"
