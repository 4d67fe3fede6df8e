"""Keep the rollups current after single-row edits (admin, shell). Bulk paths (import,
webhook) refresh explicitly, as bulk_create sends no signals."""

import threading

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from organisation.models import Client

from . import rollups
from .models import KpiSettings, SLATarget, Ticket

_pending = threading.local()


def _flush_registered() -> bool:
    """Whether ``_flush`` still waits in the current transaction's on-commit callbacks.
    A rollback (of the transaction, or of the savepoint that registered it) drops the
    callback, so the remembered Touched must not be reused."""
    return any(entry[1] is _flush for entry in transaction.get_connection().run_on_commit)


def _pending_touched() -> rollups.Touched:
    """The Touched of the current transaction; a new one (with ``_flush`` registered on
    commit) when none is pending, e.g. after a rolled-back transaction."""
    touched = getattr(_pending, "touched", None)
    if touched is None or not _flush_registered():
        touched = _pending.touched = rollups.Touched()
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(_flush)
    return touched


def _run_now_outside_a_transaction() -> None:
    """In autocommit mode there is no commit to wait for: refresh at once."""
    if not transaction.get_connection().in_atomic_block:
        _flush()


def _touch(client_id, day) -> None:
    """Remember a touched client and day; refresh once when the transaction commits."""
    _pending_touched().add(client_id, day)
    _run_now_outside_a_transaction()


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
    # Touched after the save (post_save), so that outside a transaction the old day is
    # refreshed once the ticket has left it.
    instance._rollup_old = (
        Ticket.objects.filter(pk=instance.pk).values_list("client_id", "opened_on").first()
    )


@receiver(post_save, sender=Ticket)
def _ticket_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    touched = _pending_touched()
    old = instance.__dict__.pop("_rollup_old", None)
    if old:
        touched.add(*old)
    touched.add(instance.client_id, instance.opened_on)
    _run_now_outside_a_transaction()


@receiver(post_delete, sender=Ticket)
def _ticket_deleted(sender, instance, **kwargs):
    _touch(instance.client_id, instance.opened_on)


@receiver(pre_save, sender=Client)
def _client_before_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    instance._rollup_old = (
        Client.objects.filter(pk=instance.pk).values_list("segment", "contract_start").first()
    )


@receiver(post_save, sender=Client)
def _client_saved(sender, instance, created=False, raw=False, **kwargs):
    old = instance.__dict__.pop("_rollup_old", None)
    if raw or created or old is None:
        return
    old_segment, old_start = old
    if old_segment != instance.segment or old_start != instance.contract_start:
        # Onboarding flags and the segment rows of the client's days (old and new segment).
        rollups.client_changed([instance.pk], [old_segment])


@receiver(pre_delete, sender=Client)
def _client_before_delete(sender, instance, **kwargs):
    """The client's rows go with it: its segment's rows of those days are recomputed on
    commit (after the cascade; the ticket deletions touch the same days)."""
    first, last = rollups.day_range([instance.pk])
    if first is not None:
        touched = _pending_touched()
        touched.add_segment(instance.segment, first, last)


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
