"""UX-1: a text written in the background is stored as its message id and rendered in each reader's language."""

import pickle

from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext_lazy, gettext_noop

from marketing.core.errors import ApplicationError
from marketing.core.texts import Text, rendered, rendered_html, storable, stored


def test_a_stored_text_reads_in_the_language_of_each_reader():
    reason = stored(gettext_noop("“%(value)s” is not a phone number."), value="call me")

    assert rendered(reason) == "“call me” is not a phone number."
    with translation.override("he"):
        assert rendered(reason) == "„call me” אינו מספר טלפון."


def test_a_label_given_lazily_is_stored_by_its_id_and_read_in_the_readers_language():
    reason = stored(gettext_noop("%(field)s: at most %(limit)s characters."), field=gettext_lazy("First name"), limit=5)

    assert "First name" in reason  # the message id, never the words of whoever wrote it
    with translation.override("he"):
        hebrew = rendered(reason)
    assert rendered(reason) == "First name: at most 5 characters."
    assert hebrew.startswith("שם פרטי") and "5" in hebrew and "First" not in hebrew


def test_a_message_inside_a_message_is_rendered_too():
    outer = Text(
        gettext_noop("“%(value)s” is not a valid email address: %(reason)s"),
        value="dana@",
        reason=Text(gettext_noop("it has no @ sign.")),
    )

    assert rendered(outer.stored) == str(outer) == "“dana@” is not a valid email address: it has no @ sign."
    with translation.override("he"):
        assert rendered(outer.stored) == "„dana@” אינה כתובת אימייל תקינה: חסר בה הסימן @."


def test_plain_text_and_text_that_only_looks_stored_read_as_they_are():
    assert rendered("asked by phone") == "asked by phone"
    assert rendered('{"msg": broken') == '{"msg": broken'
    assert rendered("") == rendered(None) == ""


def test_a_message_the_catalogue_does_not_know_reads_in_english_with_its_values():
    with translation.override("he"):
        assert rendered(stored("Synced %(count)s records", count=3)) == "Synced 3 records"


def test_on_a_screen_each_value_keeps_its_own_direction_and_markup_is_escaped():
    reason = stored(gettext_noop("“%(value)s” is not a phone number."), value="<b>+972 50</b>")

    with translation.override("he"):
        html = Template("{% load texts %}{{ reason|translated }}").render(Context({"reason": reason}))

    assert html == "„<bdi>&lt;b&gt;+972 50&lt;/b&gt;</bdi>” אינו מספר טלפון."
    assert rendered_html("<i>plain</i>") == "&lt;i&gt;plain&lt;/i&gt;"


def test_an_error_keeps_its_message_for_now_and_its_text_for_later():
    error = ApplicationError(Text(gettext_noop("The date is empty.")))

    assert error.message == "The date is empty."
    with translation.override("he"):
        assert rendered(error.text) == "התאריך ריק."
    assert storable(ApplicationError("words of a person")) == "words of a person"


def test_a_text_survives_the_pipe_between_the_reading_process_and_the_writer():
    error = ApplicationError(Text(gettext_noop("“%(value)s” has no year."), value="12/05"))

    copy = pickle.loads(pickle.dumps(error))

    assert copy.text == error.text and copy.message == "“12/05” has no year."
    assert Text.loaded(error.text) == Text(gettext_noop("“%(value)s” has no year."), value="12/05")
