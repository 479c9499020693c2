"""What a staff user may see and change in the back office (SPEC ACC-1).

Superusers see everything. Other staff see only the accounts they manage (an active
ACCOUNT_MANAGER membership): rows of those accounts, the accounts themselves, and the users
who have a membership in one of them. Every choice a form, filter or lookup widget offers is
cut to the same scope. Models that belong to no account are for superusers only.
"""

from functools import cache

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth import get_user_model
from django.core.checks import Error, Tags, register
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet


def managed_accounts(user) -> QuerySet:
    """Ids of the accounts `user` manages, as a subquery."""
    from marketing.accounts.roles import Role

    membership = apps.get_model("accounts", "Membership")
    return membership.objects.filter(user_id=user.pk, is_active=True, role=Role.ACCOUNT_MANAGER).values("account_id")


def managed_account_ids(user) -> list[int]:
    return list(managed_accounts(user).values_list("account_id", flat=True))


def _account_model() -> type[Model]:
    return apps.get_model("accounts", "Account")


def _has_account_field(model: type[Model]) -> bool:
    try:
        field = model._meta.get_field("account")
    except FieldDoesNotExist:
        return False
    return field.is_relation and field.related_model is _account_model()


def is_tenant_model(model: type[Model]) -> bool:
    """True for models whose rows the back office can cut to a staff user's accounts."""
    return model is _account_model() or model is get_user_model() or _has_account_field(model)


def scope_queryset(queryset: QuerySet, user) -> QuerySet:
    """The rows of `queryset` that `user` may see; none of a model that belongs to no account."""
    if user.is_superuser:
        return queryset
    model = queryset.model
    accounts = managed_accounts(user)
    if model is _account_model():
        return queryset.filter(pk__in=accounts)
    if model is get_user_model():
        members = apps.get_model("accounts", "Membership").objects.filter(account_id__in=accounts)
        return queryset.filter(pk__in=members.values("user_id"))
    if _has_account_field(model):
        return queryset.filter(account_id__in=accounts)
    return queryset.none()


def user_fully_managed(*, editor, user) -> bool:
    """True when `editor` may change who `user` is (password, email, phone, username).

    Only when every account the user belongs to or owns is one the editor manages: changing
    them otherwise would hand the editor a way into the other accounts. Superusers and other
    staff are changed by superusers only.
    """
    if editor.is_superuser:
        return True
    if user.is_superuser or (user.is_staff and user.pk != editor.pk):
        return False
    accounts = managed_accounts(editor)
    memberships = apps.get_model("accounts", "Membership").objects.filter(user_id=user.pk)
    if not memberships.filter(account_id__in=accounts).exists():
        return False
    outside = memberships.exclude(account_id__in=accounts).exists()
    owns_outside = _account_model().objects.filter(owner_id=user.pk).exclude(pk__in=accounts).exists()
    return not outside and not owns_outside


class ScopedChoicesFilterMixin:
    """A related-field list filter that lists only the related rows the staff user may see."""

    def field_choices(self, field, request, model_admin):
        choices = super().field_choices(field, request, model_admin)
        if request.user.is_superuser:
            return choices
        related = field.related_model
        allowed = scope_queryset(related._default_manager.all(), request.user)
        values = {str(value) for value in allowed.values_list(field.target_field.attname, flat=True)}
        return [(value, label) for value, label in choices if str(value) in values]


@cache
def scoped_filter_class(filter_class: type) -> type:
    return type(f"Scoped{filter_class.__name__}", (ScopedChoicesFilterMixin, filter_class), {})


class ScopedForeignKeyRawIdWidget(ForeignKeyRawIdWidget):
    """Names the chosen row only when it is in scope: a submitted id of another account shows nothing."""

    def __init__(self, rel, admin_site, *, queryset: QuerySet, **kwargs):
        super().__init__(rel, admin_site, **kwargs)
        self.scope = queryset

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            if not self.scope.filter(**{key: value}).exists():
                return "", ""
        except (ValueError, TypeError):
            return "", ""
        return super().label_and_url_for_value(value)


class TenantScopedMixin:
    """Cuts the rows, form choices, list filters and lookups of an admin (or inline) to the staff user's scope."""

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        if request.user.is_superuser:
            return queryset
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(db).all()
        return scope_queryset(queryset, request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            kwargs = self._scoped_kwargs(db_field, request, kwargs)
            if db_field.name in self.raw_id_fields and "widget" not in kwargs:
                kwargs["widget"] = ScopedForeignKeyRawIdWidget(
                    db_field.remote_field, self.admin_site, using=kwargs.get("using"), queryset=kwargs["queryset"]
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            kwargs = self._scoped_kwargs(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _scoped_kwargs(self, db_field, request, kwargs: dict) -> dict:
        queryset = kwargs.get("queryset")
        if queryset is None:
            queryset = self.get_field_queryset(kwargs.get("using"), db_field, request)  # scoped already
        else:
            queryset = scope_queryset(queryset, request.user)
        return {**kwargs, "queryset": queryset}

    def get_list_filter(self, request):
        list_filter = super().get_list_filter(request)
        if request.user.is_superuser:
            return list_filter
        return [self._scoped_list_filter(item) for item in list_filter]

    def _scoped_list_filter(self, item):
        if isinstance(item, str):
            field = get_fields_from_path(self.model, item)[-1]
            return (item, scoped_filter_class(admin.RelatedFieldListFilter)) if field.is_relation else item
        if isinstance(item, (list, tuple)) and issubclass(item[1], admin.RelatedFieldListFilter):
            return (item[0], scoped_filter_class(item[1]))
        return item

    def lookup_allowed(self, lookup, value, request=None):
        if "password" in lookup.split("__"):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_deleted_objects(self, objs, request):
        """Refuses a delete (page or bulk action) that includes a row the user may not delete."""
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        refused = {str(obj) for obj in objs if not self.has_delete_permission(request, obj)}
        return to_delete, model_count, perms_needed | refused, protected


class SuperuserOnlyMixin:
    """For models that belong to no account: other staff neither see them nor reach their pages."""

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args, **kwargs):
        return request.user.is_superuser and super().has_add_permission(request, *args, **kwargs)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


def restrict_unscoped_admins(site: admin.AdminSite) -> None:
    """Re-registers every admin that is not tenant-scoped (third-party apps) as superuser-only."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, (TenantScopedMixin, SuperuserOnlyMixin)):
            continue
        admin_class = type(model_admin)
        restricted = type(f"SuperuserOnly{admin_class.__name__}", (SuperuserOnlyMixin, admin_class), {})
        site.unregister(model)
        site.register(model, restricted)


@register(Tags.admin, Tags.security)
def admins_are_scoped(app_configs, **kwargs):
    """An admin registered after the sweep must be tenant-scoped or superuser-only."""
    errors = []
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, SuperuserOnlyMixin):
            continue
        if not isinstance(model_admin, TenantScopedMixin) or not is_tenant_model(model):
            errors.append(
                Error(
                    f"The admin of {model._meta.label} is neither tenant-scoped nor superuser-only.",
                    hint="Subclass marketing.core.admin.TenantScopedAdmin or SuperuserOnlyAdmin.",
                    obj=type(model_admin),
                    id="marketing.E101",
                )
            )
            continue
        for inline in model_admin.inlines:
            if not issubclass(inline, TenantScopedMixin):
                errors.append(
                    Error(
                        f"The inline {inline.__name__} of {model._meta.label} is not tenant-scoped.",
                        hint="Subclass marketing.core.admin.TenantScopedTabularInline or TenantScopedStackedInline.",
                        obj=inline,
                        id="marketing.E102",
                    )
                )
    return errors
