"""UX-1 on the account settings: countries and time zones by name in the reader's language, no legacy aliases;
the stored values stay ISO codes and IANA ids (ACC-5)."""

import datetime as dt
from html.parser import HTMLParser

import pytest
import time_machine

from ..factories import AccountFactory

WINTER = dt.datetime(2025, 1, 15, 10, tzinfo=dt.UTC)


class _Options(HTMLParser):
    """The <option>s of each <select> on a page: {select name: [(value, text, selected)]}."""

    def __init__(self):
        super().__init__()
        self.selects: dict[str, list[tuple[str, str, bool]]] = {}
        self._select = self._option = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._select = self.selects.setdefault(attrs["name"], [])
        elif tag == "option" and self._select is not None:
            self._option, self._text = (attrs.get("value", ""), "selected" in attrs), ""

    def handle_data(self, data):
        if self._option is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            value, selected = self._option
            self._select.append((value, self._text.strip(), selected))
            self._option = None
        elif tag == "select":
            self._select = None


def _options(response) -> dict[str, list[tuple[str, str, bool]]]:
    assert response.status_code == 200
    parser = _Options()
    parser.feed(response.content.decode())
    return parser.selects


def _text_of(options, value: str) -> str:
    return next(text for v, text, _ in options if v == value)


def _selected(options) -> list[str]:
    return [v for v, _, selected in options if selected]


def _settings(account, **changes) -> dict:
    data = {k: getattr(account, k) for k in ("name", "default_region", "time_zone", "language")}
    return {**data, **changes}


@time_machine.travel(WINTER, tick=False)
def test_a_hebrew_reader_sees_countries_and_time_zones_by_their_hebrew_names(account, owner_client):
    selects = _options(owner_client.get("/account/settings/"))

    countries, zones = selects["default_region"], selects["time_zone"]
    assert _text_of(countries, "IL") == "ישראל" and _selected(countries) == ["IL"]
    assert _text_of(zones, "Asia/Jerusalem").startswith("ישראל — ירושלים (GMT+02:00")
    assert _selected(zones) == ["Asia/Jerusalem"]
    assert _text_of(zones, "America/New_York").startswith("ארצות הברית — ניו יורק")


@time_machine.travel(WINTER, tick=False)
def test_an_english_reader_sees_them_by_their_english_names_in_alphabetical_order(account, owner_client):
    account.language = "en"
    account.save()

    selects = _options(owner_client.get("/account/settings/"))

    countries, zones = selects["default_region"], selects["time_zone"]
    assert _text_of(countries, "IL") == "Israel"
    assert _text_of(zones, "Asia/Jerusalem") == "Israel — Jerusalem (GMT+02:00)"
    names = [text for _, text, _ in countries]
    assert names.index("Afghanistan") < names.index("Israel") < names.index("Zimbabwe")


@time_machine.travel(dt.datetime(2025, 7, 15, 10, tzinfo=dt.UTC), tick=False)
def test_a_time_zones_offset_follows_summer_time(account, owner_client):
    account.language = "en"
    account.save()

    zones = _options(owner_client.get("/account/settings/"))["time_zone"]

    assert _text_of(zones, "Asia/Jerusalem") == "Israel — Jerusalem (GMT+03:00)"


@pytest.mark.parametrize("language", ["he", "en"])
def test_no_legacy_alias_and_no_bare_code_is_offered(account, owner_client, language):
    account.language = language
    account.save()

    selects = _options(owner_client.get("/account/settings/"))

    zone_values = {v for v, _, _ in selects["time_zone"]}
    assert zone_values.isdisjoint({"Asia/Tel_Aviv", "US/Eastern", "Africa/Asmera", "Etc/GMT+5", "Etc/UTC", "Israel"})
    assert "Asia/Jerusalem" in zone_values and "Africa/Asmara" in zone_values and "UTC" in zone_values
    for name in ("default_region", "time_zone"):
        bare = [(v, text) for v, text, _ in selects[name] if text == v or "/" in text]
        assert not bare, f"{name} offers codes instead of names: {bare[:5]}"


def test_saving_stores_the_country_code_and_the_zone_id(account, owner_client):
    account.default_region, account.time_zone = "US", "America/New_York"
    account.save()

    response = owner_client.post(
        "/account/settings/", _settings(account, default_region="IL", time_zone="Asia/Jerusalem"), follow=True
    )

    account.refresh_from_db()
    assert response.status_code == 200
    assert (account.default_region, account.time_zone) == ("IL", "Asia/Jerusalem")


def test_an_alias_posted_as_the_zone_is_refused_next_to_the_field(account, owner_client):
    account.language = "en"
    account.save()

    response = owner_client.post("/account/settings/", _settings(account, name="New", time_zone="US/Eastern"))

    account.refresh_from_db()
    assert response.status_code == 200 and set(response.context["form"].errors) == {"time_zone"}
    assert (account.name, account.time_zone) == ("Account A", "Asia/Jerusalem")


def test_an_account_stored_with_an_alias_opens_with_its_zone_chosen_and_saves(account, owner_client):
    account.time_zone = "Asia/Tel_Aviv"
    account.save()

    zones = _options(owner_client.get("/account/settings/"))["time_zone"]
    assert _selected(zones) == ["Asia/Jerusalem"]

    response = owner_client.post("/account/settings/", _settings(account, name="Renamed", time_zone="Asia/Jerusalem"))

    account.refresh_from_db()
    assert response.status_code == 302
    assert (account.name, account.time_zone) == ("Renamed", "Asia/Jerusalem")


def test_an_account_on_a_fixed_offset_zone_keeps_it_when_saving_other_settings(account, owner_client):
    account.time_zone = "Etc/GMT-3"
    account.save()

    zones = _options(owner_client.get("/account/settings/"))["time_zone"]
    assert _selected(zones) == ["Etc/GMT-3"]

    owner_client.post("/account/settings/", _settings(account, name="Renamed"))

    account.refresh_from_db()
    assert (account.name, account.time_zone) == ("Renamed", "Etc/GMT-3")


def test_another_accounts_manager_changes_only_their_own_settings(account, other_account, client_for):
    other_account.default_region = "US"
    other_account.save()

    response = client_for(other_account.owner).post(
        "/account/settings/",
        _settings(other_account, name="Taken over", default_region="GB", time_zone="Europe/London"),
    )

    account.refresh_from_db()
    other_account.refresh_from_db()
    assert response.status_code == 302
    assert (account.name, account.default_region, account.time_zone) == ("Account A", "IL", "Asia/Jerusalem")
    assert (other_account.name, other_account.default_region) == ("Taken over", "GB")


def test_a_hebrew_reader_after_an_english_one_still_reads_hebrew_names(db, client_for):
    english = AccountFactory(language="en")
    hebrew = AccountFactory(language="he")

    english_zones = _options(client_for(english.owner).get("/account/settings/"))["time_zone"]
    hebrew_zones = _options(client_for(hebrew.owner).get("/account/settings/"))["time_zone"]

    assert _text_of(english_zones, "Asia/Jerusalem").startswith("Israel — Jerusalem")
    assert _text_of(hebrew_zones, "Asia/Jerusalem").startswith("ישראל — ירושלים")
