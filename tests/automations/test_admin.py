"""The back office shows each consumer's deliveries, and gives the ones that gave up another chance."""

import pytest

from automations.models import Event, EventDelivery
from automations.services import EventKind, events_consumer, events_dispatch, events_emit
from marketing.accounts.models import User
from marketing.core.models import AuditEntry

URL = "/admin/automations/eventdelivery/"


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.com", "x-secret-pass")


def _dead_delivery(account, settings, broken: dict) -> EventDelivery:
    settings.EVENTS_CONSUMER_MAX_ATTEMPTS = 1

    @events_consumer(EventKind.GROUP_LEFT, name="tests.sometimes")
    def sometimes(events):
        if broken["now"]:
            raise RuntimeError("still broken")

    events_emit(account=account, kind=EventKind.GROUP_LEFT, payload={"group_id": 1, "contact_ids": [1]})
    events_dispatch()
    return EventDelivery.objects.get(consumer="tests.sometimes")


def test_deliveries_are_listed_with_their_state(account, settings, consumers, client_for, superuser):
    dead = _dead_delivery(account, settings, {"now": True})

    client = client_for(superuser)

    assert list(client.get(f"{URL}?state__exact=dead").context["cl"].result_list) == [dead]
    assert list(client.get(f"{URL}?state__exact=done").context["cl"].result_list) == []
    detail = client.get(f"{URL}{dead.pk}/change/")
    assert detail.status_code == 200 and "still broken" in detail.content.decode()


def test_retry_puts_dead_deliveries_back_and_dispatches_them_again(
    account, settings, consumers, client_for, superuser, django_capture_on_commit_callbacks
):
    broken = {"now": True}
    dead = _dead_delivery(account, settings, broken)
    assert dead.state == "dead" and Event.objects.get().dispatched_at is not None
    broken["now"] = False  # the consumer was fixed

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(superuser).post(URL, {"action": "retry", "_selected_action": [dead.pk]})

    assert response.status_code == 302 and callbacks  # the dispatch was queued on commit
    dead.refresh_from_db()
    assert (dead.state, dead.attempts) == ("done", 1)
    assert Event.objects.get().dispatched_at is not None
    entry = AuditEntry.objects.get(action="event_delivery.retry")
    assert (entry.account_id, entry.actor_id, entry.data) == (account.pk, superuser.pk, {"ids": [dead.pk]})


def test_retry_leaves_pending_and_done_deliveries_alone(
    account, settings, consumers, client_for, superuser, django_capture_on_commit_callbacks
):
    dead = _dead_delivery(account, settings, {"now": True})
    EventDelivery.objects.filter(pk=dead.pk).update(state="done", attempts=7)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client_for(superuser).post(URL, {"action": "retry", "_selected_action": [dead.pk]})

    assert EventDelivery.objects.filter(pk=dead.pk, state="done", attempts=7).exists()
    assert not callbacks and not AuditEntry.objects.filter(action="event_delivery.retry").exists()


def test_another_accounts_staff_cannot_retry_its_deliveries(
    account, other_account, settings, consumers, client_for, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Permission

    dead = _dead_delivery(account, settings, {"now": False})
    EventDelivery.objects.filter(pk=dead.pk).update(state="dead")
    staff = other_account.owner
    staff.is_staff = True
    staff.save()
    staff.user_permissions.set(Permission.objects.filter(codename__endswith="eventdelivery"))

    client = client_for(staff)
    listing = client.get(URL)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"action": "retry", "_selected_action": [dead.pk]})

    assert list(listing.context["cl"].result_list) == []
    assert EventDelivery.objects.get(pk=dead.pk).state == "dead"
