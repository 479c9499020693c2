import threading
from pathlib import Path

import pytest
import requests

from integrations.salesforce.emulator import EmulatorServer

from .support import API


def test_the_certificate_is_trusted_through_the_ca_file_for_ip_and_localhost(sf_emulator, token):
    headers = {"Authorization": f"Bearer {token}"}

    by_ip = requests.get(f"{sf_emulator.base_url}{API}/limits", headers=headers, verify=sf_emulator.ca_path)
    by_name = requests.get(
        f"https://localhost:{sf_emulator.port}{API}/limits", headers=headers, verify=sf_emulator.ca_path
    )

    assert by_ip.status_code == by_name.status_code == 200


def test_a_client_that_does_not_trust_the_ca_is_refused(sf_emulator):
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{sf_emulator.base_url}/services/data/", verify=requests.certs.where())


def test_one_connection_serves_many_requests_chunked_bodies_and_head(sf_emulator, rest):
    def body():
        yield b'{"LastName": "Chunked",'
        yield b' "Company": "Acme"}'

    created = rest("POST", "/sobjects/Lead/", data=body(), headers={"Content-Type": "application/json"})
    head = rest("HEAD", "/limits")
    after = rest("GET", "/query", params={"q": "SELECT LastName FROM Lead"})

    assert created.status_code == 201
    assert head.status_code == 200 and head.content == b"" and int(head.headers["Content-Length"]) > 0
    assert after.json()["records"][0]["LastName"] == "Chunked"


def test_concurrent_clients_are_served_and_every_write_lands(sf_emulator, token):
    failures = []

    def writer(number: int):
        with requests.Session() as client:
            client.verify = sf_emulator.ca_path
            for item in range(10):
                response = client.post(
                    f"{sf_emulator.base_url}{API}/sobjects/Lead/",
                    json={"LastName": f"W{number}-{item}", "Company": "Acme"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                if response.status_code != 201:
                    failures.append(response.text)

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    records = sf_emulator.org.records("Lead")
    assert failures == [] and len({record["Id"] for record in records}) == 60
    assert sf_emulator.api_calls == 60


def test_a_certificate_directory_is_reused_across_restarts(tmp_path: Path):
    with EmulatorServer(cert_dir=str(tmp_path)) as first:
        ca = Path(first.ca_path).read_bytes()
    with EmulatorServer(cert_dir=str(tmp_path)) as second:
        response = requests.get(f"{second.base_url}/services/data/", verify=second.ca_path)

    assert Path(second.ca_path).read_bytes() == ca and response.status_code == 200
    assert (tmp_path / "server-key.pem").stat().st_mode & 0o077 == 0
