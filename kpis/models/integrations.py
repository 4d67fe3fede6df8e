"""PSA integrations that push tickets to the webhook, each with its own token.

Only the SHA-256 of the token is stored; the token itself is shown once, when the
integration is created in the admin.
"""

import hmac

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tokens import hash_token, new_token
from organisation.models import DataSource


class WebhookIntegrationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def for_token(self, token: str) -> "WebhookIntegration | None":
        """The active integration this token belongs to, or None."""
        if not token:
            return None
        digest = hash_token(token)
        integration = self.active().filter(token_hash=digest).first()
        # The lookup is by an unguessable hash; compare again in constant time anyway.
        if integration and hmac.compare_digest(integration.token_hash, digest):
            return integration
        return None


class WebhookIntegration(models.Model):
    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. HaloPSA production"))
    # The tickets it pushes belong to this source: a new integration gets its own
    # (save()); those from before data sources existed keep the CSV source (migration
    # kpis 0010).
    data_source = models.ForeignKey(
        DataSource,
        on_delete=models.PROTECT,
        related_name="webhook_integrations",
        verbose_name=_("data source"),
        editable=False,
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(_("token starts with"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    objects = WebhookIntegrationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook integration")
        verbose_name_plural = _("webhook integrations")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.data_source_id is None:
            self.data_source = DataSource.objects.create(
                name=self.name, kind=DataSource.Kind.WEBHOOK
            )
        super().save(*args, **kwargs)

    def issue_token(self) -> str:
        """Set a new random token (stored hashed) and return it, for showing once."""
        token = new_token()
        self.token_hash = hash_token(token)
        self.token_prefix = token[:8]
        return token

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
