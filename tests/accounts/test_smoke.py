def test_dashboard_opens_for_owner(owner_client, account):
    response = owner_client.get("/")
    assert response.status_code == 200
    assert account.name in response.content.decode()
