"""The email a recipient gets (DESIGN §7): the message's HTML sanitized, CSS inlined and a plain-text
alternative made once per message; each recipient's values and unsubscribe link spliced in per email.

`build(recipient)` makes a Django email (any backend: SMTP, an ESP through anymail, locmem in tests).
`smtp_bytes(recipient, message_id=…)` makes the same email as the bytes an SMTP server receives, from headers
and a MIME skeleton made once per message: building each email through the `email` package costs about
0.6 ms, which caps one worker near 1,500 emails a second before a byte is sent.
"""

import base64
import binascii
import re
import secrets
import time
from email.utils import formatdate
from html import escape
from html.parser import HTMLParser

import css_inline
import nh3
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, forbid_multi_line_headers, sanitize_address
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
        self._skeleton: tuple[bytes, bytes, bytes, bytes, str] | None = None
        self._date: tuple[int, str] = (0, "")
        with translation.override(message.account.language):
            self.footer_text = _("To stop receiving these emails, unsubscribe: %(url)s")
            self.footer_html = _('To stop receiving these emails, <a href="%(url)s">unsubscribe</a>.')
            self.direction = "rtl" if translation.get_language_bidi() else "ltr"
            self.language = translation.get_language()

    def _parts(self, recipient: Recipient) -> tuple[str, str, str, str]:
        """The recipient's subject, plain text, HTML and List-Unsubscribe header."""
        values = dict(zip(self.keys, recipient.values, strict=False))
        url = unsubscribe_url(recipient)
        footer = self.footer_html % {"url": escape(url, quote=True)}
        html = (
            f'<!DOCTYPE html><html lang="{self.language}" dir="{self.direction}"><head><meta charset="utf-8"></head>'
            f"<body>{self.html.render(values)}"
            f'<p style="margin-top:24px;font-size:12px;color:#666">{footer}</p></body></html>'
        )
        text = f"{self.text.render(values)}\n\n-- \n{self.footer_text % {'url': url}}\n"
        unsubscribe = f"<{url}>, <{unsubscribe_mailto(recipient)}>"
        return self.subject.render(values), text, html, unsubscribe

    def build(self, recipient: Recipient) -> EmailMultiAlternatives:
        subject, text, html, unsubscribe = self._parts(recipient)
        email = EmailMultiAlternatives(
            subject=subject,
            body=text,
            from_email=self.from_email,
            to=[recipient.point],
            connection=self.connection,
            headers={"List-Unsubscribe": unsubscribe, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        )
        email.attach_alternative(html, "text/html")
        return email

    @property
    def envelope_sender(self) -> str:
        """The SMTP envelope's sender (MAIL FROM), as Django's SMTP backend gives it."""
        return sanitize_address(self.from_email, settings.DEFAULT_CHARSET)

    def smtp_bytes(self, recipient: Recipient, *, message_id: str) -> bytes | None:
        """The email `build` makes, as the bytes an SMTP server receives (CRLF line ends). None when this
        recipient needs the general path: an address with more than plain ASCII, a line break in the subject,
        a header Django would have to encode, or a text that happens to hold the message's MIME boundary."""
        point = recipient.point
        if not point.isascii() or _ADDRESS_SPECIALS.search(point):
            return None
        subject, text, html, unsubscribe = self._parts(recipient)
        if "\n" in subject or "\r" in subject or len(subject) > 900:
            return None
        if self._skeleton is None:
            self._skeleton = self._skeleton_make()
        head, text_head, html_head, tail, boundary = self._skeleton
        if boundary in text or boundary in html:
            return None
        now = int(time.time())
        if self._date[0] != now:
            self._date = (now, formatdate(now, localtime=settings.EMAIL_USE_LOCALTIME))
        headers = (
            f"Subject: {_subject_header(subject)}\r\nTo: {point}\r\nDate: {self._date[1]}\r\n"
            f"Message-ID: {message_id}\r\nList-Unsubscribe: {unsubscribe}\r\n"
        )
        if not headers.isascii():  # an unsubscribe address on a non-ASCII domain: Django encodes it
            return None
        return b"".join((head, headers.encode("ascii"), text_head, *_body(text), html_head, *_body(html), tail))

    def _skeleton_make(self) -> tuple[bytes, bytes, bytes, bytes, str]:
        """What every email of the message shares: the fixed headers, each part's headers, the closing
        boundary; and the boundary, random per message so no recipient's values can forge it."""
        boundary = f"==={secrets.token_hex(16)}=="
        _, sender = forbid_multi_line_headers("From", self.from_email, settings.DEFAULT_CHARSET)
        head = (
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\nMIME-Version: 1.0\r\n'
            f"From: {sender}\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        ).encode("ascii")
        part = 'Content-Type: text/{}; charset="utf-8"\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: '
        text_head = f"\r\n--{boundary}\r\n{part.format('plain')}".encode("ascii")
        html_head = f"\r\n--{boundary}\r\n{part.format('html')}".encode("ascii")
        tail = f"\r\n--{boundary}--\r\n".encode("ascii")
        return head, text_head, html_head, tail, boundary


_ADDRESS_SPECIALS = re.compile(r'[\s"(),:;<>\[\]\\]')
_LINE_ENDS = re.compile(r"\r\n|\r|\n")
_ENCODED_WORD_BYTES = 45  # 60 base64 characters: each encoded word stays within RFC 2047's 75


def _subject_header(subject: str) -> str:
    """The Subject header's value: ASCII as written, anything else in RFC 2047 base64 words, never splitting a
    character between two words."""
    if subject.isascii():
        return subject
    words, chunk, size = [], [], 0
    for char in subject:
        width = len(char.encode("utf-8", "surrogatepass"))
        if size + width > _ENCODED_WORD_BYTES:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += width
    words.append("".join(chunk))
    return "\r\n ".join(
        f"=?utf-8?b?{base64.b64encode(w.encode('utf-8', 'surrogatepass')).decode('ascii')}?=" for w in words
    )


def _body(text: str) -> tuple[bytes, bytes]:
    """A text part's transfer encoding (with the blank line that ends its headers) and its content, as Django
    chooses: UTF-8 as it is (7bit or 8bit), or quoted-printable when a line is longer than an SMTP line may be."""
    lines = _LINE_ENDS.split(text)
    data = "\r\n".join(lines).encode("utf-8", "surrogateescape")
    if len(data) <= RFC5322_EMAIL_LINE_LENGTH_LIMIT or max(map(len, data.split(b"\r\n"))) <= (
        RFC5322_EMAIL_LINE_LENGTH_LIMIT
    ):
        return (b"7bit\r\n\r\n" if data.isascii() else b"8bit\r\n\r\n"), data
    encoded = binascii.b2a_qp("\n".join(lines).encode("utf-8", "surrogateescape"), istext=True)
    return b"quoted-printable\r\n\r\n", encoded.replace(b"\n", b"\r\n")
