"""Keep the rollups current after single-row edits (admin, shell). Bulk paths (import,
webhook) refresh explicitly, as bulk_create sends no signals."""

import threading

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from . import rollups
from .models import Client, KpiSettings, SLATarget, Ticket

_pending = threading.local()


def _touch(client_id, day) -> None:
    """Remember a touched client and day; refresh once when the transaction commits."""
    touched = getattr(_pending, "touched", None)
    if touched is None:
        touched = _pending.touched = rollups.Touched()
        transaction.on_commit(_flush)
    touched.add(client_id, day)


def _flush() -> None:
    touched = getattr(_pending, "touched", None)
    _pending.touched = None
    if touched:
        touched.refresh()
        from .tasks import queue_threshold_check

        with transaction.atomic():
            queue_threshold_check()


@receiver(pre_save, sender=Ticket)
def _ticket_before_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    old = Ticket.objects.filter(pk=instance.pk).values_list("client_id", "opened_on").first()
    if old:
        _touch(*old)


@receiver(post_save, sender=Ticket)
def _ticket_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _touch(instance.client_id, instance.opened_on)


@receiver(post_delete, sender=Ticket)
def _ticket_deleted(sender, instance, **kwargs):
    _touch(instance.client_id, instance.opened_on)


@receiver(post_save, sender=Client)
def _client_saved(sender, instance, created=False, raw=False, **kwargs):
    if not raw and not created:
        rollups.update_onboarding_flags([instance.pk])


@receiver([post_save, post_delete], sender=SLATarget)
def _targets_changed(sender, raw=False, **kwargs):
    if not raw:
        from .tasks import queue_rollup_rebuild

        queue_rollup_rebuild()


@receiver(post_save, sender=KpiSettings)
def _settings_changed(sender, raw=False, **kwargs):
    if not raw:
        from .tasks import queue_threshold_check

        queue_threshold_check()
