from datetime import date

import pytest

from contacts.models import CustomField
from marketing.messaging.personalize import (
    UnknownPlaceholder,
    placeholder_names,
    template_compile,
    value_formatter,
)


@pytest.fixture
def children(account):
    return CustomField.objects.create(account=account, api_name="child_name", label="שם הילד", kind="text")


def test_placeholders_by_label_in_hebrew_and_english_api_name_and_legacy_name(account, children):
    names = placeholder_names(account)
    text = "[#שם פרטי#] / [# First  name #] / [#first_name#] / [#FirstName#] / [#שם הילד#] / [#child_name#]"

    template = template_compile(text, names=names)

    assert (
        template.render({"first_name": "Dana", "custom:child_name": "Noa"}) == "Dana / Dana / Dana / Dana / Noa / Noa"
    )


def test_unknown_placeholder_is_refused_naming_each_one(account):
    with pytest.raises(UnknownPlaceholder) as refused:
        template_compile("Hi [#Nickname#], [#first_name#] [#Shoe size#] [#Nickname#]", names=placeholder_names(account))

    assert refused.value.details == {"placeholders": ["Nickname", "Shoe size"]}
    assert "[#Nickname#]" in refused.value.message and "[#Shoe size#]" in refused.value.message


def test_another_accounts_custom_field_is_unknown_here(account, other_account):
    CustomField.objects.create(account=other_account, api_name="child_name", label="Child", kind="text")

    with pytest.raises(UnknownPlaceholder):
        template_compile("[#Child#]", names=placeholder_names(account))


def test_braces_and_missing_values_render_as_written(account):
    template = template_compile("{sale} [#Last name#]!{}", names=placeholder_names(account))

    assert template.render({}) == "{sale} !{}"
    assert template.render({"last_name": "Levi"}) == "{sale} Levi!{}"


def test_html_templates_escape_values_but_not_the_markup(account):
    template = template_compile("<b>[#first_name#]</b>", names=placeholder_names(account), html=True)

    assert template.render({"first_name": "<script>&"}) == "<b>&lt;script&gt;&amp;</b>"


def test_values_are_formatted_as_people_read_them(account):
    CustomField.objects.create(account=account, api_name="renewal", label="Renewal", kind="date")
    account.language = "he"
    format_values = value_formatter(account, ["birth_date", "gender", "custom:renewal", "first_name"])

    values = format_values(
        {"birth_date": date(1990, 2, 28), "gender": "female", "custom": {"renewal": "2027-01-05"}, "first_name": ""}
    )

    assert values == {"birth_date": "28/02/1990", "gender": "נקבה", "custom:renewal": "05/01/2027", "first_name": ""}
