import django_filters
from django.utils.translation import gettext as _


class StrictFilterSet(django_filters.FilterSet):
    """An API filter set that refuses `?created_before=` and the like: a date, number or choice sent empty is a
    caller's mistake, and filtering by nothing would answer with everything. Text filters may be empty."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        empty = [
            name
            for name, filter_ in self.filters.items()
            if not isinstance(filter_, django_filters.CharFilter) and name in self.data and self.data[name] == ""
        ]
        for name in empty:
            self.form.add_error(name, _("Give a value, or leave the parameter out."))
        return valid and not empty
