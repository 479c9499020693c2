"""The demo account `make run` starts with (DESIGN §4: `manage.py seed_demo`)."""

import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction

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


@transaction.atomic
def demo_seed(*, password: str | None = None, new_password: bool = False) -> tuple[Account, str]:
    """Create (or refresh) account `demo` with its owner, departments and a few users; return it and the
    owner's password.

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
    return account, password
