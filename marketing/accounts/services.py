import zoneinfo

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from marketing.core.errors import ApplicationError, FieldErrors, PermissionDenied
from marketing.core.normalize import email_normalize, phone_normalize
from marketing.core.services import audit_record
from marketing.core.tenancy import ensure_owned

from .models import Account, Department, Membership, User
from .roles import Perm, Role, assignable_roles, can_manage_membership, has_perm

LANGUAGE_CODES = ("he", "en")


def _require(actor: Membership, perm: str) -> None:
    if not has_perm(actor, perm):
        raise PermissionDenied(_("Your role does not allow this."))


def _clean_region(default_region: str) -> str:
    import phonenumbers

    region = (default_region or "").strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ApplicationError(_("“%(region)s” is not a known country code.") % {"region": default_region})
    return region


def _clean_time_zone(time_zone: str) -> str:
    if time_zone not in zoneinfo.available_timezones():
        raise ApplicationError(_("“%(zone)s” is not a known time zone.") % {"zone": time_zone})
    return time_zone


def _clean_language(language: str) -> str:
    if language not in LANGUAGE_CODES:
        raise ApplicationError(_("Choose Hebrew or English."))
    return language


def _clean_settings(*, default_region: str, time_zone: str, language: str, errors: FieldErrors) -> dict:
    return {
        "default_region": errors.check("default_region", _clean_region, default_region),
        "time_zone": errors.check("time_zone", _clean_time_zone, time_zone),
        "language": errors.check("language", _clean_language, language),
    }


def _clean_account_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("The account needs a name."))
    return name


@transaction.atomic
def account_create(
    *,
    name: str,
    slug: str,
    owner: User,
    default_region: str = "IL",
    time_zone: str = "Asia/Jerusalem",
    language: str = "he",
    sms_credits: int = 0,
) -> Account:
    """A new business with its owner as account manager."""
    errors = FieldErrors()
    cleaned = _clean_settings(default_region=default_region, time_zone=time_zone, language=language, errors=errors)
    errors.raise_any()
    if Account.objects.filter(slug=slug).exists():
        raise ApplicationError(_("An account with the address “%(slug)s” already exists.") % {"slug": slug})
    account = Account.objects.create(name=name, slug=slug, owner=owner, sms_credits=sms_credits, **cleaned)
    Membership.objects.create(account=account, user=owner, role=Role.ACCOUNT_MANAGER)
    audit_record(account=account, actor=owner, action="account.create", target=account)
    return account


@transaction.atomic
def account_settings_update(
    *, account: Account, actor: Membership, name: str, default_region: str, time_zone: str, language: str
) -> Account:
    _require(actor, Perm.ACCOUNT_SETTINGS)
    errors = FieldErrors()
    name = errors.check("name", _clean_account_name, name)
    cleaned = _clean_settings(default_region=default_region, time_zone=time_zone, language=language, errors=errors)
    errors.raise_any()
    before = {"name": account.name, **{k: getattr(account, k) for k in cleaned}}
    account.name = name
    for key, value in cleaned.items():
        setattr(account, key, value)
    account.save(update_fields=["name", *cleaned])
    audit_record(account=account, actor=actor.user, action="account.settings", target=account, data={"before": before})
    return account


def _department_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("The department needs a name."))
    return name


@transaction.atomic
def department_create(*, account: Account, actor: Membership, name: str) -> Department:
    _require(actor, Perm.DEPARTMENTS_MANAGE)
    name = _department_name(name)
    if Department.objects.filter(account=account, name=name).exists():
        raise ApplicationError(_("A department named “%(name)s” already exists.") % {"name": name})
    department = Department.objects.create(account=account, name=name)
    audit_record(account=account, actor=actor.user, action="department.create", target=department)
    return department


@transaction.atomic
def department_rename(*, account: Account, actor: Membership, department: Department, name: str) -> Department:
    _require(actor, Perm.DEPARTMENTS_MANAGE)
    ensure_owned(account, department, message=_("Department not found."))
    name = _department_name(name)
    if Department.objects.filter(account=account, name=name).exclude(pk=department.pk).exists():
        raise ApplicationError(_("A department named “%(name)s” already exists.") % {"name": name})
    old = department.name
    department.name = name
    department.save(update_fields=["name"])
    audit_record(account=account, actor=actor.user, action="department.rename", target=department, data={"old": old})
    return department


@transaction.atomic
def department_delete(*, account: Account, actor: Membership, department: Department) -> int:
    """Delete a department; its users stay in the account, without a department."""
    _require(actor, Perm.DEPARTMENTS_MANAGE)
    ensure_owned(account, department, message=_("Department not found."))
    moved = Membership.objects.filter(account=account, department=department).update(department=None)
    audit_record(
        account=account, actor=actor.user, action="department.delete", target=department, data={"name": department.name}
    )
    department.delete()
    return moved


def _check_assignment(*, account: Account, actor: Membership, role: str, department: Department | None) -> None:
    if role not in assignable_roles(actor):
        raise PermissionDenied(_("You cannot give the role “%(role)s”.") % {"role": Role(role).label})
    ensure_owned(account, department, message=_("Department not found."))
    if actor.role == Role.DEPARTMENT_MANAGER and (department is None or department.pk != actor.department_id):
        raise PermissionDenied(_("Department managers add users to their own department only."))


def _clean_fixed_sender(role: str, fixed_sender_name: str) -> str:
    fixed_sender_name = (fixed_sender_name or "").strip()
    if role == Role.FIXED_SENDER and not fixed_sender_name:
        raise ApplicationError(
            _("A fixed-sender user needs the sender name they will send with."), details={"field": "fixed_sender_name"}
        )
    return fixed_sender_name if role == Role.FIXED_SENDER else ""


def _clean_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise ApplicationError(_("Choose a username."))
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(_("The username “%(name)s” is taken.") % {"name": username})
    return username


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), code="weak_password") from exc


@transaction.atomic
def user_add(
    *,
    account: Account,
    actor: Membership,
    username: str,
    password: str,
    email: str = "",
    phone: str = "",
    first_name: str = "",
    last_name: str = "",
    role: str = Role.USER,
    department: Department | None = None,
    fixed_sender_name: str = "",
) -> Membership:
    """Create a login and place it in `account` with `role` (SPEC ACC-2, ACC-3)."""
    _require(actor, Perm.USERS_MANAGE)
    _check_assignment(account=account, actor=actor, role=role, department=department)
    errors = FieldErrors()  # every refused field at once
    fixed_sender_name = errors.check("fixed_sender_name", _clean_fixed_sender, role, fixed_sender_name)
    username = errors.check("username", _clean_username, username)
    user = User(
        username=username or "",
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        email=(errors.check("email", email_normalize, email) or "") if email else "",
        phone=(errors.check("phone", phone_normalize, phone, region=account.default_region) or "") if phone else "",
    )
    errors.check("password", _check_password, password, user)
    errors.raise_any()
    user.set_password(password)
    try:
        user.save()
    except IntegrityError as exc:
        raise ApplicationError(
            _("The username “%(name)s” is taken.") % {"name": username}, details={"field": "username"}
        ) from exc
    membership = Membership.objects.create(
        account=account, user=user, role=role, department=department, fixed_sender_name=fixed_sender_name
    )
    audit_record(account=account, actor=actor.user, action="membership.create", target=membership, data={"role": role})
    return membership


@transaction.atomic
def membership_update(
    *,
    account: Account,
    actor: Membership,
    membership: Membership,
    role: str,
    department: Department | None,
    fixed_sender_name: str = "",
) -> Membership:
    ensure_owned(account, membership, message=_("User not found."))
    if not can_manage_membership(actor, membership):
        raise PermissionDenied(_("You cannot manage this user."))
    if membership.pk == actor.pk and role != actor.role:
        raise ApplicationError(_("You cannot change your own role."), details={"field": "role"})
    _check_assignment(account=account, actor=actor, role=role, department=department)
    _ensure_an_account_manager_remains(account=account, membership=membership, new_role=role)
    fixed_sender_name = _clean_fixed_sender(role, fixed_sender_name)
    before = {"role": membership.role, "department": membership.department_id}
    membership.role = role
    membership.department = department
    membership.fixed_sender_name = fixed_sender_name
    membership.save(update_fields=["role", "department", "fixed_sender_name"])
    audit_record(
        account=account, actor=actor.user, action="membership.update", target=membership, data={"before": before}
    )
    return membership


def _ensure_an_account_manager_remains(*, account: Account, membership: Membership, new_role: str | None) -> None:
    if membership.role != Role.ACCOUNT_MANAGER or new_role == Role.ACCOUNT_MANAGER:
        return
    others = Membership.objects.filter(account=account, role=Role.ACCOUNT_MANAGER, is_active=True).exclude(
        pk=membership.pk
    )
    if not others.exists():
        raise ApplicationError(_("An account needs at least one active account manager."))


@transaction.atomic
def membership_set_active(*, account: Account, actor: Membership, membership: Membership, active: bool) -> Membership:
    """Suspend or restore a user's access to this account; their work stays."""
    ensure_owned(account, membership, message=_("User not found."))
    if not can_manage_membership(actor, membership):
        raise PermissionDenied(_("You cannot manage this user."))
    if membership.pk == actor.pk:
        raise ApplicationError(_("You cannot suspend yourself."))
    if not active:
        _ensure_an_account_manager_remains(account=account, membership=membership, new_role=None)
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    audit_record(
        account=account,
        actor=actor.user,
        action="membership.resume" if active else "membership.suspend",
        target=membership,
    )
    return membership
