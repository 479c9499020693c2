"""The demo account `make run` starts with (DESIGN §4: `manage.py seed_demo`)."""

import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.test.utils import override_settings
from django.utils import translation
from django.utils.translation import gettext

from .models import Account, Department, Membership, User
from .roles import Role
from .services import account_create

DEMO_SLUG = "demo"
DEMO_USERNAME = "demo"


def _user(username: str, password: str, **fields) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults=fields)
    user.set_password(password)
    user.save()
    return user


def _password_file() -> Path:
    """Where the owner's password is kept between runs, readable by this machine's user only."""
    return Path(settings.VAR_DIR) / "demo-password"


def _kept_password(owner: User | None) -> str | None:
    """The password of the last run, while it still signs the owner in (he may have changed it since)."""
    try:
        kept = _password_file().read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if kept and (owner is None or owner.check_password(kept)):
        return kept
    return None


def _keep_password(password: str) -> None:
    path = _password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(password + "\n", encoding="utf-8")


# Sample people: (first name, last name, phone, email, group keys). Two children share their parent's phone.
DEMO_PEOPLE = (
    ("נועה", "כהן", "+972501000001", "noa.cohen@example.com", ("customers", "vip")),
    ("יוסי", "לוי", "+972501000002", "yossi.levi@example.com", ("customers",)),
    ("מאיה", "מזרחי", "+972501000003", "", ("customers", "vip")),
    ("אבי", "פרץ", "+972501000004", "avi.peretz@example.com", ("customers",)),
    ("תמר", "ביטון", "+972501000005", "tamar.biton@example.com", ("customers",)),
    ("איתן", "ביטון", "+972501000005", "", ("customers",)),
    ("דני", "פרידמן", "+972501000007", "dani.friedman@example.com", ("vip",)),
    ("שירה", "כץ", "", "shira.katz@example.com", ("customers",)),
)
DEMO_UNSUBSCRIBED_PHONE = "+972501000004"


def _demo_texts(language: str) -> dict[str, str]:
    """The sample groups' and messages' names and texts in the demo account's language."""
    with translation.override(language):
        return {
            "customers": gettext("Customers"),
            "vip": gettext("VIP club"),
            "sms_draft": gettext("Spring sale (SMS)"),
            "sms_draft_body": gettext(
                "Hi [#First name#], our spring sale starts today, with a discount on everything."
            ),
            "email_draft": gettext("Monthly newsletter"),
            "email_subject": gettext("[#First name#], what's new this month"),
            "email_body": gettext(
                "<h1>Hello [#First name#]</h1><p>Here is what is new this month at Demo Ltd.</p>"
                '<p><a href="https://example.com/spring">See the spring collection</a></p>'
            ),
            "sent": gettext("Welcome to the club (SMS)"),
            "sent_body": gettext("Hi [#First name#], welcome to our customers' club!"),
            "unsubscribe_reason": gettext("Asked not to get SMS"),
        }


def _demo_campaigns(account: Account, owner: User) -> None:
    """Sample contacts in two groups, an SMS and an email draft ready to send to them, and an SMS already sent
    through the send pipeline (to a backend that keeps it in memory), so the report has history to show.

    Made once: when the account has any message, nothing is added (a person may have changed the samples)."""
    from contacts.services import Policy, contacts_upsert, group_get_or_create, suppressions_add
    from contacts.sources import Source
    from marketing.messaging.models import Message
    from marketing.messaging.services import message_create, message_run, message_send

    if Message.objects.filter(account=account).exists():
        return
    texts = _demo_texts(account.language)
    groups = {key: group_get_or_create(account=account, actor=owner, name=texts[key]) for key in ("customers", "vip")}
    rows = [
        {"first_name": first, "last_name": last, "phone": phone, "email": email, "groups": [texts[k] for k in keys]}
        for first, last, phone, email, keys in DEMO_PEOPLE
    ]
    # Each row is a person of its own, even when two share a phone (the duplicate filter has something to do).
    contacts_upsert(account=account, rows=rows, policy=Policy(match_by_points=False), source=Source.IMPORT)
    suppressions_add(
        account=account,
        points=[DEMO_UNSUBSCRIBED_PHONE],
        reason=texts["unsubscribe_reason"],
        source=Source.SCREEN,
        channel="sms",
    )
    membership = Membership.objects.get(account=account, user=owner)
    everyone = [groups["customers"].pk, groups["vip"].pk]
    message_create(
        account=account,
        membership=membership,
        channel="sms",
        name=texts["sms_draft"],
        sender="DemoLtd",
        body=texts["sms_draft_body"],
        group_ids=everyone,
    )
    message_create(
        account=account,
        membership=membership,
        channel="email",
        name=texts["email_draft"],
        sender="news@example.com",
        subject=texts["email_subject"],
        body=texts["email_body"],
        group_ids=everyone,
    )
    with transaction.atomic():
        sent = message_create(
            account=account,
            membership=membership,
            channel="sms",
            name=texts["sent"],
            sender="DemoLtd",
            body=texts["sent_body"],
            group_ids=[groups["customers"].pk],
        )
        # The demo never reaches a real provider, whatever SMS_BACKEND says (the console one would print).
        with override_settings(SMS_BACKEND="memory"):
            sent = message_run(message=message_send(account=account, message=sent, enqueue=False))
        _demo_delivery_reports(sent)


def _demo_delivery_reports(message) -> None:
    """What the provider reports back, a minute or two later: delivered, and one phone that failed."""
    from marketing.messaging.models import Recipient
    from marketing.messaging.reports import report_record

    rows = list(
        Recipient.objects.filter(message=message, status=Recipient.Status.SENT)
        .order_by("pk")
        .values_list("provider_id", "sent_at")
    )
    for index, (provider_id, sent_at) in enumerate(rows):
        failed = index == len(rows) - 1
        report_record(
            provider="memory",
            provider_id=provider_id,
            event="failed" if failed else "delivered",
            error_code="30003" if failed else "",
            occurred_at=sent_at + timedelta(minutes=1 + index % 2),
            message=message,
        )


@transaction.atomic
def demo_seed(
    *, password: str | None = None, new_password: bool = False, campaigns: bool = False
) -> tuple[Account, str]:
    """Create (or refresh) account `demo` with its owner, departments and a few users; return it and the
    owner's password. `campaigns` adds the sample contacts, groups and messages (`seed_demo` does).

    Running it again keeps the data and the owner's password, so a login written down (or a browser that
    remembers it) keeps working. A new random password is set when `new_password` asks for one, when the kept
    one no longer signs the owner in, or `password` sets a chosen one.
    """
    owner = User.objects.filter(username=DEMO_USERNAME).first()
    kept = None if password or new_password else _kept_password(owner)
    password = password or kept or secrets.token_urlsafe(9)
    if owner is None or password != kept:  # setting it again would sign the owner out of his sessions
        owner = _user(
            DEMO_USERNAME,
            password,
            first_name="Dana",
            last_name="Levi",
            email="demo@example.com",
            phone="+972501234567",
        )
    _keep_password(password)
    account = Account.objects.filter(slug=DEMO_SLUG).first()
    if account is None:
        account = account_create(name="Demo Ltd", slug=DEMO_SLUG, owner=owner, sms_credits=1000)
        # A second business of the same owner shows the account switcher.
        account_create(name="Demo Ltd — North branch", slug="demo-north", owner=owner, language="en", sms_credits=100)
        sales = Department.objects.create(account=account, name="Sales")
        Department.objects.create(account=account, name="Support")
        others = secrets.token_urlsafe(12)
        for username, role, department in (
            ("demo-sales-manager", Role.DEPARTMENT_MANAGER, sales),
            ("demo-sales", Role.USER, sales),
            ("demo-reports", Role.REPORTS_ONLY, None),
        ):
            Membership.objects.create(account=account, user=_user(username, others), role=role, department=department)
    if campaigns:
        _demo_campaigns(account, owner)
    return account, password
