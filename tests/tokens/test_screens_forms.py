"""UX-3 on the tokens screens: every refused field at once, each next to its field; flashes say what happened."""

from marketing.tokens.models import ApiToken


def test_two_bad_fields_show_both_errors_each_next_to_its_field(account, verified_owner, stepped_up):
    client = stepped_up(verified_owner, account)

    response = client.post(
        "/account/tokens/new/",
        {"name": "Bad", "allowed_ips": "10.0.0.300", "expires_at": "2001-01-01T10:00", "custom_value": "short"},
    )

    form = response.context["form"]
    page = response.content.decode()
    assert response.status_code == 200
    assert set(form.errors) == {"allowed_ips", "expires_at", "custom_value"}
    assert "10.0.0.300" in form.errors["allowed_ips"][0]
    assert form.errors["expires_at"] == ["The expiry must be in the future."]
    assert page.count('class="invalid-feedback d-block"') == 3
    assert "3 fields need a fix" in page
    assert not ApiToken.objects.filter(name="Bad").exists()


def test_saving_a_token_unchanged_says_nothing_changed(account, verified_owner, stepped_up, issue):
    token, _plaintext = issue(account, name="Zapier")
    client = stepped_up(verified_owner, account)

    response = client.post(
        f"/account/tokens/{token.pk}/", {"name": "Zapier", "note": "", "allowed_ips": "", "expires_at": ""}, follow=True
    )

    page = response.content.decode()
    assert "Nothing changed in token “Zapier”." in page and "saved" not in page


def test_a_bad_address_to_verify_is_refused_next_to_it(account, client_for):
    client = client_for(account.owner)

    response = client.post(
        "/account/tokens/verify/", {"action": "send", "channel": "sms", "address": "050-12", "next": "/"}
    )

    form = response.context["send_form"]
    assert response.status_code == 200
    assert form.errors["address"] == ["The phone number is too short."]
    assert 'value="050-12"' in response.content.decode()
