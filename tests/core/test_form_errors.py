"""UX-3: refusals land on their fields, all at once; one include draws a field with its errors."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from marketing.core.errors import ApplicationError, FieldErrors, NotFound
from marketing.core.forms import form_errors_add


class _Form(forms.Form):
    name = forms.CharField(required=False, widget=forms.TextInput(attrs={"class": "form-control"}))
    email = forms.CharField(required=False)
    agree = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect, required=False)


def _refuse(message):
    raise ApplicationError(message)


def _bound() -> _Form:
    form = _Form({"name": "x"})
    form.is_valid()
    return form


def test_field_errors_raise_every_refusal_at_once_by_field():
    errors = FieldErrors()
    assert errors.check("name", str.strip, "  kept  ") == "kept"
    errors.check("name", _refuse, "Give a name.")
    errors.check("email", _refuse, "Not an email.")

    with pytest.raises(ApplicationError) as caught:
        errors.raise_any()

    assert caught.value.details == {"name": ["Give a name."], "email": ["Not an email."]}
    assert caught.value.message == "Give a name. Not an email."


def test_one_refusal_is_raised_as_it_was_naming_its_field():
    errors = FieldErrors()
    errors.check("name", lambda: (_ for _ in ()).throw(ApplicationError("Taken.", code="conflict", status=409)))

    with pytest.raises(ApplicationError) as caught:
        errors.raise_any()

    assert (caught.value.code, caught.value.status, caught.value.details) == ("conflict", 409, {"field": "name"})


def test_not_found_is_never_collected():
    errors = FieldErrors()

    with pytest.raises(NotFound):
        errors.check("name", lambda: (_ for _ in ()).throw(NotFound("Gone.")))


def test_a_service_refusal_lands_on_each_field_it_names():
    form = _bound()

    form_errors_add(form, ApplicationError("Two things.", details={"name": ["Give a name."], "email": ["Bad."]}))

    assert form.errors == {"name": ["Give a name."], "email": ["Bad."]}


def test_a_refusal_naming_one_field_or_none_or_an_unknown_one():
    one, none, unknown = _bound(), _bound(), _bound()

    form_errors_add(one, ApplicationError("Taken.", details={"field": "email"}))
    form_errors_add(none, ApplicationError("Try later."))
    form_errors_add(unknown, ApplicationError("Columns left.", details={"unmapped": ["Notes"]}))

    assert one.errors == {"email": ["Taken."]}
    assert none.non_field_errors() == ["Try later."]
    assert unknown.non_field_errors() == ["Columns left."]


def test_a_django_validation_error_dict_lands_on_its_fields():
    form = _bound()

    form_errors_add(form, ValidationError({"name": "Too long.", "other": "Elsewhere."}))

    assert form.errors["name"] == ["Too long."] and form.non_field_errors() == ["Elsewhere."]


def test_the_field_include_marks_a_refused_field_and_shows_each_error():
    form = _bound()
    form.add_error("name", ["First.", "Second."])
    form.add_error("agree", "Tick it.")
    form.add_error("kind", "Choose one.")

    page = render_to_string("includes/form.html", {"form": form})

    assert 'class="form-control is-invalid"' in page and 'aria-invalid="true"' in page
    assert 'class="form-check-input is-invalid"' in page  # the checkbox
    assert page.count('class="invalid-feedback d-block"') == 3  # one under each refused field
    assert "<div>First.</div><div>Second.</div>" in page
    assert '<fieldset class="is-invalid" aria-describedby="id_kind_error">' in page and 'type="radio"' in page
    for name in ("name", "agree", "kind"):  # what aria-describedby names is there
        assert f'<div class="invalid-feedback d-block" id="id_{name}_error">' in page
    assert "3 fields need a fix: see the messages next to them." in page
