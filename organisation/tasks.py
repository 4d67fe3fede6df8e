"""The organisation's Celery tasks, found by Celery's autodiscovery."""

from .chat import post_to_channel, sweep_posts

__all__ = ["post_to_channel", "sweep_posts"]
