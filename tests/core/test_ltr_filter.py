"""The `ltr` filter and `ltr_range` tag (SPEC UX-1): phones, emails, counts and ranges inside right-to-left text are
isolated left to right."""

from django.template import Context, Template
from django.utils import translation

from marketing.core.templatetags.texts import ltr, ltr_range


def _render(source: str, **context) -> str:
    return Template("{% load texts %}" + source).render(Context(context))


def test_a_phone_is_wrapped_in_a_left_to_right_isolate():
    assert ltr("+972501234567") == '<bdi dir="ltr">+972501234567</bdi>'


def test_markup_in_the_value_is_escaped():
    assert _render("{{ value|ltr }}", value='<b onclick="x()">a@b.co</b>') == (
        '<bdi dir="ltr">&lt;b onclick=&quot;x()&quot;&gt;a@b.co&lt;/b&gt;</bdi>'
    )


def test_nothing_to_isolate_gives_nothing_so_default_still_applies():
    assert ltr(None) == "" and ltr("") == ""
    assert _render('{{ value|ltr|default:"—" }}', value="") == "—"


def test_a_count_reads_as_it_would_outside_the_filter():
    with translation.override("he"):
        assert ltr(1234) == '<bdi dir="ltr">1,234</bdi>'
        assert ltr(0) == '<bdi dir="ltr">0</bdi>'


def test_a_range_is_one_isolate_so_it_never_reads_backwards():
    with translation.override("he"):
        assert ltr_range(1001, 1050) == '<bdi dir="ltr">1,001–1,050</bdi>'
        assert _render("{% ltr_range 1 50 as range %}[{{ range }}]") == '[<bdi dir="ltr">1–50</bdi>]'
