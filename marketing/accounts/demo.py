"""The demo account `make run` starts with (DESIGN §4: `manage.py seed_demo`)."""

import secrets

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


@transaction.atomic
def demo_seed(*, password: str | None = None) -> tuple[Account, str]:
    """Create (or refresh) account `demo` with its owner, departments and a few users.

    Running it again keeps the data and sets a new owner password, which it returns.
    """
    password = password or secrets.token_urlsafe(9)
    owner = _user(
        DEMO_USERNAME,
        password,
        first_name="Dana",
        last_name="Levi",
        email="demo@example.com",
        phone="+972501234567",
    )
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
