"""`manage.py seed_demo` (DESIGN §4), which `make run` prints: the demo login stays the same from run to run
unless a new one is asked for."""

import re
import stat
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.test import Client

from contacts.models import Contact, Group
from marketing.accounts.models import Account, Membership, User
from marketing.messaging.models import Message, Recipient
from marketing.messaging.personalize import placeholder_names, template_compile

LOGIN_LINE = re.compile(r"^Demo account 'demo': username demo / password (\S+)$")


def _seed(*args: str) -> str:
    """Runs the command as `make run` does and returns the password it printed."""
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    printed = out.getvalue().strip()
    match = LOGIN_LINE.match(printed)
    assert match, printed
    return match.group(1)


def _signs_in(password: str) -> bool:
    client = Client()
    response = client.post("/login/", {"username": "demo", "password": password})
    return response.status_code == 302 and client.get("/").status_code == 200


def test_running_it_again_prints_the_same_password_and_it_still_signs_in(db):
    first = _seed()
    second = _seed()

    assert second == first
    assert _signs_in(second)
    demo = Account.objects.get(slug="demo")
    assert Membership.objects.filter(account=demo).count() == 4  # the data is kept, not doubled


def test_the_owner_signed_in_stays_signed_in_when_it_runs_again(db):
    client = Client()
    assert client.post("/login/", {"username": "demo", "password": _seed()}).status_code == 302

    _seed()

    assert client.get("/").status_code == 200


def test_new_password_gives_another_one_and_the_old_one_stops_working(db):
    old = _seed()

    new = _seed("--new-password")

    assert new != old
    assert _signs_in(new) and not _signs_in(old)
    assert _seed() == new  # and it is kept from then on


def test_a_chosen_password_is_set_and_kept(db):
    assert _seed("--password", "Demo-chosen-2024") == "Demo-chosen-2024"

    assert _seed() == "Demo-chosen-2024"
    assert _signs_in("Demo-chosen-2024")


def test_a_password_changed_since_is_replaced_by_one_that_signs_in(db):
    old = _seed()
    owner = User.objects.get(username="demo")
    owner.set_password("Changed-on-the-screens-1")
    owner.save()

    printed = _seed()

    assert printed != old and _signs_in(printed)


def test_the_kept_password_is_readable_by_its_owner_only(db):
    _seed()

    mode = (settings.VAR_DIR / "demo-password").stat().st_mode
    assert not mode & (stat.S_IRWXG | stat.S_IRWXO)


def test_the_demo_has_an_sms_and_an_email_draft_ready_for_its_groups_in_its_language(db):
    _seed()
    demo = Account.objects.get(slug="demo")

    drafts = {m.channel: m for m in Message.objects.filter(account=demo, status=Message.Status.DRAFT)}
    groups = dict(Group.objects.filter(account=demo).values_list("name", "pk"))

    assert set(drafts) == {"sms", "email"}
    assert set(groups) == {"לקוחות", "מועדון VIP"}
    assert drafts["sms"].name == "מבצע אביב (SMS)" and "[#שם פרטי#]" in drafts["sms"].body
    assert drafts["email"].subject.startswith("[#שם פרטי#]")
    for message in drafts.values():
        assert sorted(message.group_ids) == sorted(groups.values())
        template_compile(message.body, names=placeholder_names(demo))  # would refuse an unknown placeholder


def test_the_demo_has_a_sent_sms_whose_report_shows_its_history(db):
    password = _seed()
    demo = Account.objects.get(slug="demo")
    sent = Message.objects.get(account=demo, status=Message.Status.SENT)
    recipients = Recipient.objects.filter(message=sent)
    client = Client()
    client.post("/login/", {"username": "demo", "password": password})

    report = client.get(f"/messages/{sent.pk}/")

    assert report.status_code == 200
    assert recipients.count() == 6  # the customers with a phone
    statuses = {(r.status, r.skip_reason) for r in recipients}
    assert ("skipped", "suppressed") in statuses and ("skipped", "duplicate") in statuses
    assert ("delivered", "") in statuses and ("failed", "") in statuses
    assert all(r.provider_id.startswith("memory-") for r in recipients.exclude(status="skipped"))
    demo.refresh_from_db()
    assert demo.sms_credits == 1000 - sent.credits_reserved < 1000
    assert "ברוכים הבאים למועדון (SMS)" in report.content.decode()


def test_running_it_again_adds_no_second_set_of_samples(db):
    _seed()
    counts = (Message.objects.count(), Contact.objects.count(), Recipient.objects.count(), Group.objects.count())

    _seed()

    assert (
        Message.objects.count(),
        Contact.objects.count(),
        Recipient.objects.count(),
        Group.objects.count(),
    ) == counts


def test_the_demo_never_reaches_a_real_sms_provider(db, settings):
    settings.SMS_BACKEND = "console"
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert LOGIN_LINE.match(out.getvalue().strip())  # the console backend would have printed each SMS
