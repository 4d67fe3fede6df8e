"""What the attention page remembers per user: the last visit and each client's state then,
so the next visit can say what changed since (insights.attention.record_visit)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AttentionVisit(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="attention_visit",
        verbose_name=_("user"),
    )
    # The latest visit: when, and {client id: "red" | "amber" | "green" | ""} as shown.
    visited_at = models.DateTimeField(_("visited"))
    states = models.JSONField(default=dict)
    # The visit before it, the one the page compares with (None: there was none).
    previous_at = models.DateTimeField(null=True, blank=True)
    previous_states = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("attention page visit")
        verbose_name_plural = _("attention page visits")

    def __str__(self):
        return f"{self.user_id} {self.visited_at:%Y-%m-%d %H:%M}"
