"""The email a recipient gets (DESIGN §7): the message's HTML sanitized, CSS inlined and a plain-text
alternative made once per message; each recipient's values and unsubscribe link spliced in per email."""

import re
from html import escape
from html.parser import HTMLParser

import css_inline
import nh3
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Message, Recipient
from .personalize import placeholder_names, template_compile
from .pipeline import message_keys, message_templates
from .unsubscribe import unsubscribe_mailto, unsubscribe_url

_TAGS = nh3.ALLOWED_TAGS | {"center", "font", "span", "div", "table", "thead", "tbody", "tfoot", "tr", "td", "th"}
_CELL = {"align", "valign", "width", "height", "bgcolor", "colspan", "rowspan"}
_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"style", "class", "dir", "lang", "title", "align"},
    "a": {"href", "name", "target", "title"},
    "img": {"src", "alt", "width", "height", "border"},
    "table": {"width", "height", "border", "cellpadding", "cellspacing", "bgcolor", "align", "role"},
    "td": _CELL,
    "th": _CELL,
    "tr": {"align", "valign", "bgcolor"},
    "font": {"color", "face", "size"},
}
_BLOCKS = {"p", "div", "br", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "hr"}


def html_clean(html: str) -> str:
    """Newsletter HTML with its CSS inlined and anything that runs or loads code removed."""
    try:
        html = css_inline.inline(html or "")
    except ValueError:
        pass
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, link_rel="noopener noreferrer")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        if tag == "td":
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "a" and self.links:
            href = self.links.pop()
            if href and not href.startswith("#"):
                self.parts.append(f" ({href})")

    def handle_data(self, data):
        self.parts.append(re.sub(r"\s+", " ", data))


def html_text(html: str) -> str:
    """A plain-text rendering of (clean) HTML: paragraphs, list items and link addresses kept."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class EmailComposer:
    """Built once per message; `build(recipient)` makes each recipient's email."""

    def __init__(self, message: Message, *, connection=None):
        self.message = message
        self.connection = connection
        names = placeholder_names(message.account)
        html = html_clean(message.body)
        self.subject = template_compile(message.subject, names=names)
        self.html = template_compile(html, names=names, html=True)
        self.text = template_compile(html_text(html), names=names)
        self.keys = message_keys(message_templates(message))  # the order a recipient row keeps its values
        self.from_email = message.sender or settings.DEFAULT_FROM_EMAIL
        with translation.override(message.account.language):
            self.footer_text = _("To stop receiving these emails, unsubscribe: %(url)s")
            self.footer_html = _('To stop receiving these emails, <a href="%(url)s">unsubscribe</a>.')
            self.direction = "rtl" if translation.get_language_bidi() else "ltr"
            self.language = translation.get_language()

    def build(self, recipient: Recipient) -> EmailMultiAlternatives:
        values = dict(zip(self.keys, recipient.values, strict=False))
        url = unsubscribe_url(recipient)
        footer = self.footer_html % {"url": escape(url, quote=True)}
        html = (
            f'<!DOCTYPE html><html lang="{self.language}" dir="{self.direction}"><head><meta charset="utf-8"></head>'
            f"<body>{self.html.render(values)}"
            f'<p style="margin-top:24px;font-size:12px;color:#666">{footer}</p></body></html>'
        )
        text = f"{self.text.render(values)}\n\n-- \n{self.footer_text % {'url': url}}\n"
        email = EmailMultiAlternatives(
            subject=self.subject.render(values),
            body=text,
            from_email=self.from_email,
            to=[recipient.point],
            connection=self.connection,
            headers={
                "List-Unsubscribe": f"<{url}>, <{unsubscribe_mailto(recipient)}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        email.attach_alternative(html, "text/html")
        return email
