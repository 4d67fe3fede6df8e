"""Keep the segment rollups current when a client changes segment or contract start, or
is deleted. Clients belong to the organisation app below this one, which cannot call
kpis: it tells through Django's model signals. Tickets change only through kpis (the
import, the webhook, the admin), which refresh their rollups explicitly."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_save, pre_delete, pre_save
from django.dispatch import receiver

from organisation.models import Client

from . import rollups


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
    """The client's rows go with it (cascade): its segment's rows of those days are
    recomputed once the deletion commits (Django deletes inside a transaction)."""
    first, last = rollups.day_range([instance.pk])
    if first is not None:
        transaction.on_commit(partial(rollups.refresh_segments, [instance.segment], first, last))
