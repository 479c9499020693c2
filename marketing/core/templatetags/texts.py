"""Template filters for text a reader sees (SPEC UX-1): `{% load texts %}`.

- `{{ contact.phone|ltr }}`: a phone number, an email, a file name, a count or a range inside a
  right-to-left sentence, isolated in `<bdi dir="ltr">` so "+972 50…" never renders as "…50 972+".
- `{% ltr_range page.start_index page.end_index as range %}`: "1–50" as one left-to-right unit (numbers localized),
  so a right-to-left sentence never shows "50–1".
- `{{ error.message|translated }}`: a text stored by `marketing.core.texts.stored`, in the reader's language, as
  HTML: each text parameter (an email, a phone, a file name) isolated in `<bdi>`. Plain text shows as it is
  (escaped). For an attribute (`title="…"`), where markup has no place, use `translated_text`.
"""

from decimal import Decimal

from django import template
from django.utils.formats import localize
from django.utils.html import format_html

from marketing.core.texts import rendered, rendered_html

register = template.Library()


@register.filter
def ltr(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        value = localize(value)  # a count reads 1,234 as it would outside the filter
    return format_html('<bdi dir="ltr">{}</bdi>', value)


@register.simple_tag
def ltr_range(start, end) -> str:
    return format_html('<bdi dir="ltr">{}–{}</bdi>', localize(start), localize(end))


@register.filter
def translated(value) -> str:
    return rendered_html(value)


@register.filter
def translated_text(value) -> str:
    return rendered(value)
