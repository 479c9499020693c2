"""UX-1: what a background job writes for later (a rejected row's reason, an import's failure, an unsubscribe
reason) is read in the language of whoever reads it, not of whoever started the job."""

import csv
import io

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext_noop

from contacts.imports import import_job_run
from contacts.models import ImportJob, Suppression, SuppressionEvent
from contacts.services import suppressions_add
from contacts.sources import Source
from marketing.accounts.roles import Role
from marketing.core.texts import Text, rendered
from marketing.tokens.models import ApiToken
from marketing.tokens.services import token_ensure_default

BODY = "name,phone\nDana,0501111111\nRon,050\n,\nNoa,call me\n"


def _job(account, body: str = BODY, mapping=("first_name", "phone")) -> ImportJob:
    job = ImportJob(account=account, filename="people.csv", consent=True, mapping=list(mapping))
    job.file.save("people.csv", ContentFile(body.encode()), save=False)
    job.save()
    return job


@pytest.fixture
def hebrew_client(account, owner_client):
    """The account's owner, reading in the account's language (Hebrew)."""
    assert account.language == "he"
    return owner_client


@pytest.fixture
def english_client(account, make_member, client_for):
    """A user of the same account who chose English with the language switch."""
    client = client_for(make_member(account, role=Role.ACCOUNT_MANAGER).user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _download(client, job) -> list[list[str]]:
    response = client.get(f"/contacts/import/{job.pk}/rejected.csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_a_rejected_row_is_stored_once_and_read_in_hebrew_and_in_english(account, hebrew_client, english_client):
    with translation.override("he"):  # the worker's language changes nothing that is stored
        job = import_job_run(job=_job(account))
    assert job.rows_rejected == 2

    hebrew, english = _download(hebrew_client, job), _download(english_client, job)

    assert hebrew[0] == ["שורה", "name", "phone", "סיבה"]
    assert hebrew[1] == ["2", "Ron", "050", "מספר הטלפון קצר מדי."]
    assert hebrew[2] == ["3", "Noa", "call me", "„call me” אינו מספר טלפון."]
    assert english[0] == ["row", "name", "phone", "reason"]
    assert english[1] == ["2", "Ron", "050", "The phone number is too short."]
    assert english[2] == ["3", "Noa", "call me", "“call me” is not a phone number."]


def test_a_file_without_headers_names_its_columns_in_the_readers_language(account, hebrew_client, english_client):
    job = import_job_run(job=_job(account, body="0501111111,Dana\n050,Ron\n", mapping=("phone", "first_name")))

    assert _download(hebrew_client, job)[0] == ["שורה", "עמודה 1", "עמודה 2", "סיבה"]
    assert _download(english_client, job)[0] == ["row", "Column 1", "Column 2", "reason"]


def test_an_import_that_failed_says_why_in_the_readers_language(account, hebrew_client, english_client):
    job = import_job_run(job=_job(account, body=""))
    assert job.status == ImportJob.Status.FAILED

    assert "הקובץ ריק." in hebrew_client.get(f"/contacts/import/{job.pk}/").content.decode()
    assert "The file is empty." in english_client.get(f"/contacts/import/{job.pk}/").content.decode()


def test_a_rejected_file_of_another_account_is_not_found(account, other_account, client_for):
    job = import_job_run(job=_job(account))

    assert client_for(other_account.owner).get(f"/contacts/import/{job.pk}/rejected.csv").status_code == 404


def test_an_unsubscribe_reason_written_by_a_worker_reads_in_each_language(account, hebrew_client, english_client):
    with translation.override("he"):
        suppressions_add(
            account=account,
            points=["0501234567"],
            reason=Text(gettext_noop("Opted out in Salesforce")),
            source=Source.SALESFORCE,
        )
    stored = Suppression.objects.get(account=account).reason
    assert stored == SuppressionEvent.objects.get(account=account).reason
    assert "הוסר" not in stored and rendered(stored) == "Opted out in Salesforce"

    assert "הוסר ב-Salesforce" in hebrew_client.get("/contacts/unsubscribes/").content.decode()
    assert "Opted out in Salesforce" in english_client.get("/contacts/unsubscribes/").content.decode()
    exported = b"".join(english_client.get("/contacts/unsubscribes/removes.csv").streaming_content).decode()
    assert "Opted out in Salesforce" in exported and "msg" not in exported


def test_a_persons_own_reason_stays_as_typed(account):
    suppressions_add(account=account, points=["0501234567"], reason="asked at the shop", source=Source.SCREEN)

    with translation.override("he"):
        assert rendered(Suppression.objects.get(account=account).reason) == "asked at the shop"


def test_the_default_token_is_named_in_the_readers_language(account):
    with translation.override("he"):  # opened first by a Hebrew reader
        token = token_ensure_default(account=account, actor=account.owner).token

    token = ApiToken.objects.get(pk=token.pk)
    assert token.label == "Default token"
    with translation.override("he"):
        assert token.label == "טוקן ברירת מחדל"
    token.name = "Zapier"
    assert token.label == "Zapier"  # a name the account chose stays as it is


def test_the_mapping_screen_names_unnamed_columns_in_the_readers_language(account, hebrew_client):
    upload = SimpleUploadedFile("people.csv", b"0501111111,Dana\n0502222222,Ron\n")
    hebrew_client.post("/contacts/import/", {"source": "file", "file": upload, "consent": "on"})
    job = ImportJob.objects.filter(account=account).latest("id")

    page = hebrew_client.get(f"/contacts/import/{job.pk}/mapping/").content.decode()

    assert "עמודה 1" in page and "עמודה 2" in page and "Column 1" not in page
