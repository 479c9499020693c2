"""Template filters for form fields (SPEC UX-3): `{% load form_fields %}`, used by `includes/field.html`.

- `{{ field|widget }}`: the field's widget, marked `is-invalid` when the field has errors, so Bootstrap draws
  it red next to its `invalid-feedback` (Django adds `aria-invalid` itself).
- `{{ field|widget_kind }}`: how the include lays the field out: "check" (one checkbox), "choices" (radio
  buttons or a list of checkboxes), "hidden" or "input".
- `{{ form|refused_fields }}`: how many fields have errors, for the note on top of the form.
"""

from django import forms, template
from django.core.exceptions import NON_FIELD_ERRORS

register = template.Library()


@register.filter
def widget(field: forms.BoundField) -> str:
    if not field.errors:
        return field.as_widget()
    css = field.field.widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{css} is-invalid".strip()})


@register.filter
def widget_kind(field: forms.BoundField) -> str:
    if field.is_hidden:
        return "hidden"
    control = field.field.widget
    if isinstance(control, forms.RadioSelect):  # CheckboxSelectMultiple is one too
        return "choices"
    if isinstance(control, forms.CheckboxInput):
        return "check"
    return "input"


@register.filter
def refused_fields(form: forms.BaseForm) -> int:
    """How many of the form's fields have errors (the form's own errors not counted)."""
    return sum(1 for name in form.errors if name != NON_FIELD_ERRORS)
