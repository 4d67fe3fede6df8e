"""Per-recipient e-mail: each one sent once, or visibly not at all.

Every e-mail the product sends to a person is one row of a model built on ``Delivery``.
A kind of e-mail plugs in by subclassing ``Kind`` (its model, the foreign key that
groups its rows into batches, how a message is built) and registering an instance in
its app's ``ready()``; this module imports no app. Life of a row:
queued -> sending -> sent | failed (with the reason).

``send_batch`` (run by the ``deliver`` task) sends one batch in chunks of
``EMAIL_SEND_CHUNK`` rows over one SMTP connection:

1. Claim, in one short transaction: lock a chunk of the batch's queued rows
   (``SELECT ... FOR UPDATE SKIP LOCKED``: a second worker takes other rows), move them
   to "sending" with the claim time in one UPDATE, bring each row's address up to date
   (a corrected address is used when it is sent again), fail at once the rows with no
   address or with an address that bounced before (``Addressee``), ask the kind which
   of the others must not be sent now (``Kind.withheld``: e.g. the recipient objected
   after the row was queued; they become "withheld" with the reason), and let the kind
   prepare the rest (surveys store the link tokens).
2. Send one message per recipient.
3. Settle what became of each row: delivered -> sent (one UPDATE); refused for good
   (5xx, or a message that cannot be built) -> failed with the reason, the chunk goes on,
   and a recipient refused at RCPT (a hard bounce) marks the address undeliverable on
   the record that holds it and is handed to ``Kind.bounced``; refused for now (4xx) ->
   back to "queued" with the reason, the chunk goes on; no usable connection -> that row
   back to "queued" with the reason and the untried rest as if never claimed, the chunk
   stops. Whatever went back to the queue makes the task retry
   with Celery's backoff (``autoretry_for``); on the last retry the batch's queued rows
   fail with the reason. What prepare made for a row that was not delivered is discarded.

Running the task twice sends nothing twice: the second finds nothing left to claim.

If a worker dies between claim and settle, at most one chunk stays "sending" (some of it
may have been delivered). ``sweep`` (Celery beat, every five minutes) marks such rows
failed ("delivery uncertain") after SEND_CLAIM_TIMEOUT instead of sending them again: a
duplicate is worse than an e-mail a manager sends again by hand. The sweep also queues
the batches whose rows were stored but never reached a worker (the broker was down when
the page committed), or whose retry was lost, and fails the queued rows of closed
batches ("Not sent: ...") so that nothing shows as pending that will never go out.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import logging
from typing import Any, ClassVar

from celery import shared_task
from django.conf import settings
from django.core.mail import mailers
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .mail import (
    BOUNCED,
    DEFERRED,
    REFUSED,
    UNCERTAIN,
    UNREACHABLE,
    failure_reason,
    smtp_failure,
)

logger = logging.getLogger("core.delivery")

SEND_CLAIM_TIMEOUT = datetime.timedelta(minutes=15)
# Rows never tried and younger than this are left to the task queued on commit.
SWEEP_GRACE = datetime.timedelta(minutes=2)
MAX_RETRIES = 6
RETRY_BACKOFF_MAX = 3600  # seconds
# A row put back in the queue is retried by its task within RETRY_BACKOFF_MAX; one still
# queued this long after its attempt lost its retry (the worker and broker were reset).
RETRY_LOST_AFTER = datetime.timedelta(seconds=RETRY_BACKOFF_MAX, minutes=10)
NO_ADDRESS = "No e-mail address."
UNCERTAIN_STOPPED = (
    "Delivery uncertain: the sending worker stopped. Not re-sent automatically to avoid a "
    "duplicate; use 'Send again' if needed."
)
UNCERTAIN_BROKEN = (
    "Delivery uncertain: the connection broke while this message was being sent. Not "
    "re-sent automatically to avoid a duplicate; use 'Send again' if needed."
)


class TransientSendError(Exception):
    """Some of the batch went back to the queue; try again later."""


class Status(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    # Not sent, on purpose: the kind's rule (``Kind.withheld``) forbids it, e.g. the
    # recipient objected to survey e-mails. Final: "send again" leaves it alone.
    WITHHELD = "withheld", _("not sent")


class Attempted(models.Model):
    """What a message sent at most once records of its sending (queued -> sending ->
    sent | failed): every e-mail row (``Delivery``), and every chat post
    (organisation.models.ChatPost)."""

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    failure_reason = models.CharField(_("reason"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # "sending": when the row was claimed. "queued" after an attempt: when that attempt
    # was (the sweep finds a lost retry by it). Empty: never tried.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Delivery(Attempted):
    """One e-mail to one recipient."""

    email = models.EmailField(_("e-mail"))

    class Meta:
        abstract = True


def recipient_field():
    """The user a ``Delivery`` row was addressed to; the row and its address stay when
    the user is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )


class Addressee(models.Model):
    """A record holding an address (``email``) the product writes to, e.g. a contact.

    A hard bounce (the server refused the recipient for good: 5xx at RCPT) marks that
    address undeliverable here, with the date and the server's reply, and the sending
    skips it from then on (failed: "Address undeliverable") instead of trying again and
    again. The mark holds only for the address it was made for: once the record's
    address changes (in a form, the back office or an import) it no longer applies, and
    saving the record clears it."""

    undeliverable_email = models.EmailField(_("undeliverable address"), blank=True, editable=False)
    undeliverable_since = models.DateTimeField(
        _("undeliverable since"), null=True, blank=True, editable=False
    )
    undeliverable_reason = models.CharField(
        _("why undeliverable"), max_length=300, blank=True, editable=False
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.undeliverable_email and self.undeliverable_email != self.email:
            self.undeliverable_email, self.undeliverable_reason = "", ""
            self.undeliverable_since = None
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], *UNDELIVERABLE_FIELDS}
        super().save(*args, **kwargs)

    @property
    def email_undeliverable(self) -> bool:
        """Whether the current address bounced."""
        return bool(self.undeliverable_email) and self.undeliverable_email == self.email


UNDELIVERABLE_FIELDS = ("undeliverable_email", "undeliverable_since", "undeliverable_reason")


def undeliverable() -> Q:
    """Addressee rows whose current address bounced (for querysets and list filters)."""
    return Q(undeliverable_email=F("email")) & ~Q(undeliverable_email="")


class Kind:
    """One kind of per-recipient e-mail. Subclass it, set the class attributes, implement
    ``load_batch`` and ``message``, and ``register()`` an instance in the app's
    ``ready()``. The other methods are hooks with defaults."""

    name: ClassVar[str]  # stable: queued tasks carry it
    model: ClassVar[type[Delivery]]
    batch_field: ClassVar[str]  # the foreign key that groups the rows into batches
    related: ClassVar[tuple[str, ...]] = ()  # select_related when a chunk is claimed

    def rows(self) -> models.QuerySet:
        """This kind's rows (two kinds may share a model with different batch fields)."""
        return self.model.objects.filter(**{f"{self.batch_field}__isnull": False})

    def open_rows(self, now: datetime.datetime) -> Q:
        """Rows that may still be sent (e.g. of an open campaign); the claim and the sweep
        leave the others alone."""
        return Q()

    # Why a queued row of a closed batch was never sent.
    closed_reason: ClassVar[str] = "Not sent: closed before it went out."

    def closed_rows(self, now: datetime.datetime) -> Q | None:
        """Rows that will never be sent (e.g. of a closed campaign; not those of one that
        has not started yet): the sweep fails them with ``closed_reason`` instead of
        leaving them "queued" for ever. None: there are none."""
        return None

    def load_batch(self, batch_id: int) -> Any:
        """What the messages of one batch share, read once per task (e.g. the campaign);
        None when nothing may be sent now."""
        raise NotImplementedError

    def address(self, row) -> str:
        """The recipient's address now (a corrected address is used when the row is
        sent again); the row's own by default."""
        return row.email

    def addressee(self, row) -> Addressee | None:
        """The record that may hold the recipient's address, where a hard bounce is
        marked (a contact, a technician); None by default."""
        return None

    def prepare(self, batch, rows: list) -> dict[int, Any]:
        """Called in the claim's transaction: {row id: what ``message`` needs}."""
        return {}

    def language(self, batch, row) -> str:
        """The recipient's language: ``message`` runs with it active. The product's
        language by default."""
        return settings.LANGUAGE_CODE

    def withheld(self, batch, rows: list) -> dict[int, str]:
        """Called in the claim's transaction, just before sending: {row id: why it must
        not be sent} (e.g. the recipient objected since the row was queued). Those rows
        become "withheld" with the reason. None are by default."""
        return {}

    def message(self, batch, row, prepared):
        """The e-mail for one row (one recipient), e.g. from ``mail.compose``."""
        raise NotImplementedError

    def bounced(self, rows: list[tuple[Any, str]]) -> None:
        """Called with (row, reason) of the rows whose recipient was refused for good (a
        hard bounce), after they were marked failed (e.g. to put the address on a
        suppression list). A recipient refused for now (4xx) is not a bounce."""

    def discard(self, prepared: list) -> None:
        """Undo ``prepare`` for rows that were not delivered (e.g. drop link tokens)."""

    def delivered(self, batch_id: int, row_ids: list[int], now: datetime.datetime) -> None:
        """Called after rows were marked sent (e.g. to stamp the batch)."""


_kinds: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    _kinds[kind.name] = kind
    return kind


def send_chunk_size() -> int:
    """How many rows one claim takes (and at most how many are in doubt when a worker
    dies)."""
    return max(1, int(settings.EMAIL_SEND_CHUNK))


# --- Queueing ----------------------------------------------------------------------------


def queue(kind_name: str, batch_id: int) -> None:
    """Send the batch's queued rows once the current transaction commits. A broker that
    is down never breaks the caller (``robust``: Django logs the error): the rows stay
    queued and the sweep sends them."""
    transaction.on_commit(functools.partial(deliver.delay, kind_name, batch_id), robust=True)


def requeue_failed(kind_name: str, batch_id: int) -> int:
    """A manager's "send again": the batch's failed rows go back to the queue (and are
    sent after commit). Returns how many."""
    kind = _kinds[kind_name]
    count = (
        kind.rows()
        .filter(**{kind.batch_field: batch_id}, status=Status.FAILED)
        .update(status=Status.QUEUED, failure_reason="", claimed_at=None)
    )
    if count:
        queue(kind_name, batch_id)
    return count


# --- Sending -----------------------------------------------------------------------------


class _Chunk:
    """What became of each claimed row while its chunk was sent."""

    def __init__(self, rows: list, prepared: dict | None = None):
        self.rows, self.prepared = rows, prepared or {}
        self.sent: list[int] = []
        self.failed: dict[int, str] = {}  # refused for good: id -> reason
        self.requeued: dict[int, str] = {}  # refused for now: id -> reason
        self.withheld: dict[int, str] = {}  # not to be sent (Kind.withheld): id -> reason
        # Refused for good at RCPT: id -> (the record holding the address, if any; reason).
        self.bounced: dict[int, tuple[Addressee | None, str]] = {}
        self.stopped: str | None = None  # no usable connection: the reason
        self.in_flight: int | None = None  # handed to SMTP, no answer yet

    def settle(self, kind: Kind, batch_id: int) -> None:
        """Record the outcome (see the module docstring). A row still in flight (the
        worker is being stopped mid-send) stays "sending" for the sweep: it may have been
        delivered."""
        rows = kind.model.objects
        now = timezone.now()
        if self.sent:
            rows.filter(pk__in=self.sent, status=Status.SENDING).update(
                status=Status.SENT, sent_at=now, failure_reason=""
            )
            kind.delivered(batch_id, self.sent, now)
        for reason, pks in _by_reason(self.failed):
            rows.filter(pk__in=pks, status=Status.SENDING).update(
                status=Status.FAILED, failure_reason=reason
            )
        for reason, pks in _by_reason(self.withheld):
            rows.filter(pk__in=pks, status=Status.SENDING).update(
                status=Status.WITHHELD, failure_reason=reason
            )
        for owner, reason in self.bounced.values():
            if owner is not None:
                type(owner).objects.filter(pk=owner.pk, email=owner.email).update(
                    undeliverable_email=owner.email,
                    undeliverable_since=now,
                    undeliverable_reason=reason,
                )
        for reason, pks in _by_reason(self.requeued):
            # claimed_at stays: the time of this attempt.
            rows.filter(pk__in=pks, status=Status.SENDING).update(
                status=Status.QUEUED, failure_reason=reason
            )
        settled = {*self.sent, *self.failed, *self.withheld, *self.requeued, self.in_flight}
        untried = [row.pk for row in self.rows if row.pk not in settled]
        if untried:
            rows.filter(pk__in=untried, status=Status.SENDING).update(
                status=Status.QUEUED, claimed_at=None, attempts=F("attempts") - 1
            )
        undelivered = [
            prepared
            for pk, prepared in self.prepared.items()
            if pk not in self.sent and pk != self.in_flight
        ]
        if undelivered:
            kind.discard(undelivered)
        if self.bounced:  # last: every row's outcome is recorded first
            by_pk = {row.pk: row for row in self.rows}
            kind.bounced([(by_pk[pk], reason) for pk, (_owner, reason) in self.bounced.items()])


def _by_reason(outcomes: dict[int, str]) -> list[tuple[str, list[int]]]:
    grouped: dict[str, list[int]] = {}
    for pk, reason in outcomes.items():
        grouped.setdefault(reason, []).append(pk)
    return list(grouped.items())


def _claim(kind: Kind, batch, batch_id: int, size: int, passed_over: set[int]) -> _Chunk:
    """Claim up to ``size`` queued rows of the batch and prepare them, in one
    transaction."""
    now = timezone.now()
    with transaction.atomic():
        rows = kind.model.objects.select_for_update(skip_locked=True, of=("self",))
        if kind.related:
            rows = rows.select_related(*kind.related)
        rows = list(
            rows.filter(kind.open_rows(now), status=Status.QUEUED, **{kind.batch_field: batch_id})
            .exclude(pk__in=passed_over)
            .order_by("pk")[:size]
        )
        if not rows:
            return _Chunk([])
        ids = [row.pk for row in rows]
        claimed = kind.model.objects.filter(pk__in=ids, status=Status.QUEUED).update(
            status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        if claimed != len(ids):
            # Only where rows cannot be locked (SQLite): another task took some first.
            mine = set(
                kind.model.objects.filter(
                    pk__in=ids, status=Status.SENDING, claimed_at=now
                ).values_list("pk", flat=True)
            )
            rows = [row for row in rows if row.pk in mine]
        for row in rows:
            row.status, row.claimed_at = Status.SENDING, now
        chunk = _Chunk(rows)
        sendable = [row for row in rows if _addressed(kind, row, chunk)]
        if sendable:
            chunk.withheld = kind.withheld(batch, sendable)
            sendable = [row for row in sendable if row.pk not in chunk.withheld]
        chunk.prepared = kind.prepare(batch, sendable)
        return chunk


def _owner(kind: Kind, row) -> Addressee | None:
    """The record holding the row's address, if any."""
    owner = kind.addressee(row)
    if owner is not None and owner.email.lower() == row.email.lower():
        return owner
    return None


def _addressed(kind: Kind, row, chunk: _Chunk) -> bool:
    """Bring the row's address up to date; False (and the row failed, with the reason)
    when there is nobody to send to: no address, or one that bounced."""
    address = kind.address(row)
    if address != row.email:
        kind.model.objects.filter(pk=row.pk).update(email=address)
        row.email = address
    owner = _owner(kind, row)
    if not address:
        chunk.failed[row.pk] = NO_ADDRESS
    elif owner is not None and owner.email_undeliverable:
        chunk.failed[row.pk] = (
            f"Address undeliverable (bounced {owner.undeliverable_since:%Y-%m-%d}): "
            f"{owner.undeliverable_reason}"
        )[:300]
    return row.pk not in chunk.failed


def _send(connection, kind: Kind, batch, chunk: _Chunk) -> None:
    for row in chunk.rows:
        if row.pk in chunk.failed or row.pk in chunk.withheld:  # nobody to send to
            continue
        try:
            with translation.override(kind.language(batch, row)):
                message = kind.message(batch, row, chunk.prepared.get(row.pk))
        except Exception as exc:  # this message cannot be built; the others can
            chunk.failed[row.pk] = _logged(kind, row, REFUSED, exc)
            continue
        try:
            # Opened once, on the first message; send_messages() would otherwise open and
            # close a connection for every message.
            connection.open()
        except Exception as exc:  # no server, or it refuses us: nobody gets anything now
            chunk.requeued[row.pk] = chunk.stopped = _logged(kind, row, UNREACHABLE, exc)
            return
        chunk.in_flight = row.pk
        try:
            connection.send_messages([message])
        except Exception as exc:
            chunk.in_flight = None
            verdict = smtp_failure(exc)
            reason = _logged(kind, row, verdict, exc)
            if verdict == UNREACHABLE:
                chunk.requeued[row.pk] = chunk.stopped = reason
                return
            if verdict == UNCERTAIN:  # this one visibly not re-sent; the rest later
                chunk.failed[row.pk] = f"{UNCERTAIN_BROKEN} ({reason})"[:300]
                chunk.stopped = reason
                return
            if verdict == DEFERRED:
                chunk.requeued[row.pk] = reason
            else:
                chunk.failed[row.pk] = reason
                if verdict == BOUNCED:
                    chunk.bounced[row.pk] = (_owner(kind, row), reason)
            continue
        chunk.in_flight = None
        chunk.sent.append(row.pk)


def _logged(kind: Kind, row, verdict: str, exc: Exception) -> str:
    """Log a message that did not go out (ids only); returns the reason to store."""
    logger.warning(
        "email.not_sent kind=%s row=%s verdict=%s error=%s",
        kind.name,
        row.pk,
        verdict,
        type(exc).__name__,
    )
    return failure_reason(exc)


def send_batch(kind_name: str, batch_id: int, *, last_try: bool = False) -> dict[str, int]:
    """Send the batch's queued rows, a chunk at a time (see the module docstring).

    Returns {"sent": n, "failed": n} (withheld rows only in the log line). Raises
    TransientSendError when rows went back to the queue, unless ``last_try``: then the
    batch's queued rows fail with the reason."""
    kind = _kinds[kind_name]
    counts = {"sent": 0, "failed": 0}
    batch = kind.load_batch(batch_id)
    if batch is None:
        return counts
    size = send_chunk_size()
    claimed, withheld, requeued, stopped = 0, 0, {}, None
    # One SMTP connection for the whole batch (Django 6.1 mailers).
    connection = mailers.default
    try:
        while True:
            chunk = _claim(kind, batch, batch_id, size, passed_over=set(requeued))
            if not chunk.rows:
                break
            claimed += len(chunk.rows)
            try:
                _send(connection, kind, batch, chunk)
            finally:
                # Also when the worker is being stopped: what was delivered is recorded.
                chunk.settle(kind, batch_id)
                counts["sent"] += len(chunk.sent)
                counts["failed"] += len(chunk.failed)
                withheld += len(chunk.withheld)
                requeued.update(chunk.requeued)
            if chunk.stopped or len(chunk.rows) < size:
                stopped = chunk.stopped
                break  # no connection, or nothing left that another task has not locked
    finally:
        # Closing a connection the server already dropped may fail; nothing to do then.
        with contextlib.suppress(Exception):
            connection.close()
        logger.info(
            "email.send_batch kind=%s batch=%s claimed=%s sent=%s failed=%s requeued=%s "
            "withheld=%s",
            kind_name,
            batch_id,
            claimed,
            counts["sent"],
            counts["failed"],
            len(requeued),
            withheld,
        )
    if requeued or stopped:  # a broken connection leaves the untried rows to the retry
        reason = next(iter(requeued.values()), stopped)
        if not last_try:
            raise TransientSendError(reason)
        counts["failed"] += fail_queued(kind, batch_id, f"Gave up after retries: {reason}")
    return counts


def fail_queued(kind: Kind, batch_id: int, reason: str) -> int:
    """After the last retry: what is still queued in the batch fails, with the reason."""
    failed = (
        kind.rows()
        .filter(**{kind.batch_field: batch_id}, status=Status.QUEUED)
        .update(status=Status.FAILED, failure_reason=reason[:300])
    )
    logger.error("email.gave_up kind=%s batch=%s failed=%s", kind.name, batch_id, failed)
    return failed


# Celery's retry options of every task that sends a message at most once (e-mail here,
# chat posts in organisation.chat): exponential backoff from EMAIL_RETRY_BASE_SECONDS,
# at most RETRY_BACKOFF_MAX apart, MAX_RETRIES times.
RETRY_POLICY = {
    "retry_backoff": settings.EMAIL_RETRY_BASE_SECONDS,
    "retry_backoff_max": RETRY_BACKOFF_MAX,
    "retry_jitter": False,
    "max_retries": MAX_RETRIES,
}


@shared_task(
    bind=True, name="core.delivery.deliver", autoretry_for=(TransientSendError,), **RETRY_POLICY
)
def deliver(self, kind_name: str, batch_id: int) -> dict:
    """Send one batch's queued e-mails; retried with exponential backoff (about 30 s,
    1 min, 2 min, ... at most an hour apart: EMAIL_RETRY_BASE_SECONDS) while some go back
    to the queue."""
    return send_batch(kind_name, batch_id, last_try=self.request.retries >= self.max_retries)


# --- The sweep ---------------------------------------------------------------------------


def fail_stale_claims(now: datetime.datetime | None = None) -> int:
    """Rows stuck in "sending" (their worker died mid-send) fail rather than being sent
    again: see the module docstring."""
    now = now or timezone.now()
    return sum(
        kind.rows()
        .filter(status=Status.SENDING, claimed_at__lt=now - SEND_CLAIM_TIMEOUT)
        .update(status=Status.FAILED, failure_reason=UNCERTAIN_STOPPED)
        for kind in _kinds.values()
    )


def fail_closed(now: datetime.datetime | None = None) -> int:
    """Queued rows of closed batches fail with their kind's reason: they will never go
    out, and "queued" would say they will."""
    now = now or timezone.now()
    failed = 0
    for kind in _kinds.values():
        closed = kind.closed_rows(now)
        if closed is not None:
            failed += (
                kind.rows()
                .filter(closed, status=Status.QUEUED)
                .update(status=Status.FAILED, failure_reason=kind.closed_reason)
            )
    return failed


def sweep(now: datetime.datetime | None = None) -> dict[str, int]:
    """Give up on stale claims and on rows of closed batches, and queue every batch with
    rows that no task is going to send: stored while the broker was down, or whose retry
    was lost."""
    now = now or timezone.now()
    stale = fail_stale_claims(now)
    closed = fail_closed(now)
    queued = 0
    for kind in _kinds.values():
        waiting = (
            kind.rows()
            .filter(kind.open_rows(now), status=Status.QUEUED)
            .filter(
                Q(claimed_at__isnull=True, created_at__lte=now - SWEEP_GRACE)
                | Q(claimed_at__lte=now - RETRY_LOST_AFTER)
            )
            .order_by()
            .values_list(kind.batch_field, flat=True)
            .distinct()
        )
        for batch_id in sorted(waiting):
            # A broker that is down fails the sweep; the next one queues them again.
            deliver.delay(kind.name, batch_id)
            queued += 1
    logger.info(
        "email.sweep queued=%s stale_claims_failed=%s closed_failed=%s", queued, stale, closed
    )
    return {"queued": queued, "stale": stale, "closed": closed}


@shared_task(name="core.delivery.sweep")
def sweep_unsent() -> dict:
    return sweep()
