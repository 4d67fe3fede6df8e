"""Applying a connection's new events: one task for many, queued by an event only
when none is queued that has yet to look for events, one task at a time per connection,
the events in the order they arrived, and none left behind: not one stored while the
task applies, nor one whose task found another applying."""

import pytest
from django.core.cache import cache

from integrations import tasks
from integrations.models import Event


@pytest.fixture
def applied(monkeypatch):
    """The events applied, in order (the real work is integrations.sync's, tested in
    test_apply_together); ``applied.during[key]`` runs once while that event is applied."""

    class Applied(list):
        during: dict = {}

    order = Applied()

    def apply(event):
        order.append(event.dedupe_key)
        hook = Applied.during.pop(event.dedupe_key, None)
        if hook:
            hook()
        return "dirty"

    def apply_together(integration, events):
        for event in events:
            apply(event)

    monkeypatch.setattr(tasks, "apply_event", apply)
    monkeypatch.setattr(tasks, "apply_together", apply_together)
    return order


def _event(integration, key: str) -> Event:
    return Event.objects.create(
        integration=integration, dedupe_key=key, entity="ticket", external_id=key, action="updated"
    )


def _unapplied():
    return list(Event.objects.unprocessed().values_list("dedupe_key", flat=True))


def test_one_task_applies_the_new_events_in_the_order_they_arrived(connectwise, applied):
    for key in ("a", "b", "c"):
        _event(connectwise, key)
    assert tasks.apply_events(connectwise.pk) == 3
    assert applied == ["a", "b", "c"]
    assert _unapplied() == []
    assert tasks.apply_events(connectwise.pk) == 0  # safe to run twice


def test_a_burst_publishes_one_task_until_that_task_looks_for_events(connectwise, queued):
    for _ in range(3):
        tasks.queue_apply(connectwise.pk)
    assert queued == [(connectwise.pk,)]
    tasks.apply_events.run(connectwise.pk)  # the task starts: it looks for events
    tasks.queue_apply(connectwise.pk)
    assert queued == [(connectwise.pk,)] * 2


def test_the_task_looks_a_moment_after_the_event_that_queued_it(connectwise, monkeypatch):
    """So that the events of that moment are applied together and publish nothing."""
    options = []
    monkeypatch.setattr(
        tasks.apply_events, "apply_async", lambda args, **kwargs: options.append(kwargs)
    )
    tasks.queue_apply(connectwise.pk)
    assert options == [{"countdown": tasks.GATHER_SECONDS}]
    assert 0 < tasks.GATHER_SECONDS <= 5  # far within the minute an event may take


def test_a_failed_publish_lets_the_next_event_publish(connectwise, monkeypatch):
    calls = []

    def down(args, **options):
        calls.append(args)
        if len(calls) == 1:
            raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.apply_events, "apply_async", down)
    with pytest.raises(ConnectionError):
        tasks.queue_apply(connectwise.pk)
    tasks.queue_apply(connectwise.pk)
    assert len(calls) == 2


def test_an_event_stored_while_the_task_applies_is_applied_before_it_returns(
    connectwise, applied, queued
):
    _event(connectwise, "a")

    def another_request():
        _event(connectwise, "b")
        tasks.queue_apply(connectwise.pk)

    applied.during["a"] = another_request
    assert tasks.apply_events(connectwise.pk) == 2
    assert applied == ["a", "b"]
    assert _unapplied() == []


def test_an_event_held_back_by_a_queued_task_is_applied_by_that_task(connectwise, applied, queued):
    tasks.queue_apply(connectwise.pk)  # the first event's task, not started yet
    _event(connectwise, "a")
    tasks.queue_apply(connectwise.pk)  # held back: that task has yet to look
    assert queued == [(connectwise.pk,)]
    tasks.apply_events.run(connectwise.pk)
    assert applied == ["a"]


def test_an_event_whose_task_found_the_lock_taken_is_applied_by_the_holder(
    connectwise, applied, monkeypatch
):
    """The holder found nothing more and is about to release the lock when an event
    arrives; its task (eager here: at once) finds the lock taken and leaves. The holder
    looks once more after releasing the lock."""
    _event(connectwise, "a")
    real_apply_new = tasks._apply_new
    found_busy = []

    def apply_new(integration_id, until):
        result = real_apply_new(integration_id, until)
        if not found_busy:
            _event(connectwise, "b")
            found_busy.append(tasks.apply_events.delay(connectwise.pk).get())
        return result

    monkeypatch.setattr(tasks, "_apply_new", apply_new)
    tasks.apply_events(connectwise.pk)
    assert found_busy == [0]
    assert applied == ["a", "b"]
    assert _unapplied() == []


def test_a_second_task_leaves_the_connections_events_to_the_one_applying(connectwise, applied):
    _event(connectwise, "a")
    cache.add(tasks._apply_lock_key(connectwise.pk), "1")
    assert tasks.apply_events(connectwise.pk) == 0
    assert _unapplied() == ["a"]


def test_the_task_makes_way_after_its_time_and_queues_itself_again(
    connectwise, applied, queued, monkeypatch
):
    monkeypatch.setattr(tasks, "APPLY_RUN_SECONDS", 0)
    monkeypatch.setattr(tasks, "APPLY_BATCH", 1)
    for key in ("a", "b"):
        _event(connectwise, key)
    assert tasks.apply_events(connectwise.pk) == 1
    assert queued == [(connectwise.pk,)]
    assert _unapplied() == ["b"]
    assert cache.add(tasks._apply_lock_key(connectwise.pk), "1")  # released


def test_when_applying_together_fails_each_event_is_applied_on_its_own(connectwise, monkeypatch):
    """A failing event keeps its error and waits for the sweep, as with its own task."""
    for key in ("a", "b"):
        _event(connectwise, key)

    def apply(event):
        if event.dedupe_key == "a":
            raise RuntimeError("PSA answered nonsense")
        return "dirty"

    def apply_together(integration, events):
        for event in events:
            apply(event)

    monkeypatch.setattr(tasks, "apply_event", apply)
    monkeypatch.setattr(tasks, "apply_together", apply_together)
    assert tasks.apply_events(connectwise.pk) == 2
    failed = Event.objects.get(dedupe_key="a")
    assert (failed.processed_at, failed.attempts) == (None, 1)
    assert "nonsense" in failed.error
    assert _unapplied() == ["a"]
    assert Event.objects.get(dedupe_key="b").attempts == 1


def test_events_applied_together_are_marked_applied_once(connectwise, applied):
    for key in ("a", "b"):
        _event(connectwise, key)
    tasks.apply_events(connectwise.pk)
    assert list(Event.objects.values_list("attempts", "error")) == [(1, ""), (1, "")]
    assert _unapplied() == []


def test_events_of_other_connections_are_left_to_their_own_task(connectwise, autotask, applied):
    _event(connectwise, "a")
    _event(autotask, "b")
    assert tasks.apply_events(connectwise.pk) == 1
    assert _unapplied() == ["b"]
