"""The screens carry a Content-Security-Policy that runs no inline script or style (SPEC UX-3)."""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)


def _directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def _templates() -> list[tuple[str, str]]:
    return [(str(path.relative_to(TEMPLATES_DIR)), path.read_text()) for path in sorted(TEMPLATES_DIR.rglob("*.html"))]


def test_a_screen_forbids_inline_scripts(client, db):
    response = client.get("/login/")

    directives = _directives(response)
    assert response.status_code == 200
    assert "'self'" in directives["script-src"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]


def test_a_screen_signed_in_carries_the_policy(owner_client):
    response = owner_client.get("/")

    assert response.status_code == 200
    assert "'unsafe-inline'" not in _directives(response)["script-src"]


def test_the_api_docs_run_their_inline_script_by_nonce(client, db):
    response = client.get("/api/docs/")

    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert response.status_code == 200
    assert f'<script nonce="{nonce}">' in response.content.decode()


def test_no_template_has_an_inline_event_handler():
    offenders = [
        f"{path}: {match.group(0).strip()}" for path, text in _templates() for match in INLINE_HANDLER.finditer(text)
    ]

    assert offenders == []


def test_no_template_has_an_inline_script_without_a_nonce():
    offenders = [
        f"{path}: {tag}" for path, text in _templates() for tag in INLINE_SCRIPT.findall(text) if "nonce=" not in tag
    ]

    assert offenders == []


def test_no_template_has_an_inline_style():
    offenders = [path for path, text in _templates() if re.search(r"\sstyle\s*=", text)]
    offenders += [
        path for path, text in _templates() for tag in re.findall(r"<style[^>]*>", text) if "nonce=" not in tag
    ]

    assert offenders == []
