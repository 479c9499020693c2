"""UX-1 over the API: the engine's reasons (stored as message ids) answer in English, or in the language the call
asks for with Accept-Language; the same for an unsubscribe reason and an import's failure."""

import pytest
from django.core.files.base import ContentFile
from django.utils.translation import gettext_noop
from rest_framework.test import APIClient

from contacts.imports import import_job_run
from contacts.models import ImportJob
from contacts.services import suppressions_add
from contacts.sources import Source
from marketing.core.texts import Text

BATCH = {"contacts": [{"phone": "050"}, {"first_name": "Dana"}]}
SHORT = {"en": "The phone number is too short.", "he": "מספר הטלפון קצר מדי."}
NO_POINT = {"en": "A contact needs a mobile phone or an email.", "he": "לאיש קשר צריך להיות טלפון נייד או אימייל."}


@pytest.fixture
def api(account, api_for):
    return api_for(account)


def _language(language: str | None) -> dict:
    return {"HTTP_ACCEPT_LANGUAGE": language} if language else {}


@pytest.mark.parametrize(("asked", "language"), [(None, "en"), ("he", "he"), ("en", "en")])
def test_a_batch_answers_its_reasons_in_the_language_asked(api, asked, language):
    response = api.post("/api/v1/contacts/batch/", BATCH, format="json", **_language(asked))

    assert response.status_code == 200
    assert [o["reason"] for o in response.json()["outcomes"]] == [SHORT[language], NO_POINT[language]]


@pytest.mark.parametrize(("asked", "language"), [(None, "en"), ("he", "he")])
def test_one_contact_refused_says_why_in_the_language_asked(api, asked, language):
    response = api.post("/api/v1/contacts/", {"phone": "050"}, format="json", **_language(asked))

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"], error["details"]) == (
        "contact_rejected",
        SHORT[language],
        {"reason": SHORT[language]},
    )


@pytest.mark.parametrize(("asked", "language"), [(None, "en"), ("he", "he")])
def test_the_legacy_endpoint_answers_its_reasons_in_the_language_asked(account, token_of, asked, language):
    document = {
        "User": {"Username": account.owner.username, "Token": token_of(account)},
        "Data": {"Contacts": [{"PhoneNumber": "050"}]},
    }

    response = APIClient().post("/api/Contact/Update", document, format="json", **_language(asked))

    assert response.json()["Data"]["Contacts"][0]["Reason"] == SHORT[language]


@pytest.mark.parametrize(("asked", "language"), [(None, "en"), ("he", "he")])
def test_an_unsubscribe_reason_of_the_platform_reads_in_the_language_asked(account, api, asked, language):
    reason = Text(gettext_noop("Opted out in Salesforce"))
    suppressions_add(account=account, points=["0501234567"], reason=reason, source=Source.SALESFORCE)

    response = api.get("/api/v1/suppressions/", **_language(asked))

    expected = {"en": "Opted out in Salesforce", "he": "הוסר ב-Salesforce"}[language]
    assert [row["reason"] for row in response.json()["results"]] == [expected]


@pytest.mark.parametrize(("asked", "language"), [(None, "en"), ("he", "he")])
def test_an_import_that_failed_says_why_in_the_language_asked(account, api, asked, language):
    job = ImportJob(account=account, filename="empty.csv", consent=True, mapping=["phone"])
    job.file.save("empty.csv", ContentFile(b""), save=False)
    job.save()
    import_job_run(job=job)

    response = api.get(f"/api/v1/imports/{job.pk}/", **_language(asked))

    assert response.json()["error"] == {"en": "The file is empty.", "he": "הקובץ ריק."}[language]
