"""The platform's icon (UX-3): every screen links it, and browsers that ask for /favicon.ico are sent to it."""

from django.contrib.staticfiles import finders


def test_screens_link_the_icon(client, db):
    page = client.get("/login/").content.decode()

    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page


def test_favicon_ico_redirects_to_the_icon_which_is_served(client, db):
    response = client.get("/favicon.ico")

    assert response.status_code == 302 and response["Location"] == "/static/img/favicon.svg"
    assert finders.find("img/favicon.svg")
    icon = client.get(response["Location"])
    assert icon.status_code == 200 and icon["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(icon.streaming_content if icon.streaming else [icon.content])
