"""Every API error answers {"error": {"code", "message", "details"}}; unknown pages answer 404 in kind.

This module is also the URLconf of the tests marked `api_urls`: a tiny API whose views raise.
"""

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

import marketing.urls
from marketing.core.errors import ApplicationError, NotFound, PermissionDenied
from marketing.core.normalize import phone_normalize


class SignupInput(serializers.Serializer):
    email = serializers.EmailField()
    seats = serializers.IntegerField(min_value=1)


class SignupApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        return Response({"ok": True})

    def post(self, request):
        SignupInput(data=request.data).is_valid(raise_exception=True)
        return Response({"ok": True})


def _raise_same_group():
    raise ApplicationError("Choose two different groups.", code="same_group", details={"source": 7, "target": 7})


def _raise_not_found():
    raise NotFound("Group not found.")


def _raise_permission_denied():
    raise PermissionDenied("Only an account manager may merge groups.")


def _raise_http404():
    raise Http404("No Group matches the given query.")


def _raise_django_permission_denied():
    raise DjangoPermissionDenied


def _raise_unexpected():
    raise ZeroDivisionError("a bug, not a user error")


RAISERS = {
    "application": _raise_same_group,
    "not-found": _raise_not_found,
    "permission-denied": _raise_permission_denied,
    "http404": _raise_http404,
    "django-permission-denied": _raise_django_permission_denied,
    "bad-phone": lambda: phone_normalize("050", region="IL"),
    "unexpected": _raise_unexpected,
}


class RaisingApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request, kind):
        RAISERS[kind]()
        return Response({"ok": True})


urlpatterns = [
    path("api/raise/<str:kind>/", RaisingApi.as_view()),
    path("api/signup/", SignupApi.as_view()),
]
handler500 = marketing.urls.handler500  # the project's own, so a crash answers as the real site would

api_urls = pytest.mark.urls(__name__)


@pytest.fixture
def client(client):
    """The test client, asking for English so that messages can be compared."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _error(response) -> dict:
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


# --- api_exception_handler, through a real API view ------------------------------------------------


@api_urls
def test_an_application_error_answers_400_with_its_code_message_and_details(client):
    response = client.get("/api/raise/application/")

    assert response.status_code == 400
    assert _error(response) == {
        "code": "same_group",
        "message": "Choose two different groups.",
        "details": {"source": 7, "target": 7},
    }


@api_urls
def test_a_service_rejecting_a_contact_point_answers_400_with_the_reason(client):
    response = client.get("/api/raise/bad-phone/")

    assert response.status_code == 400
    assert _error(response) == {
        "code": "invalid_contact_point",
        "message": "The phone number is too short.",
        "details": {"value": "050"},
    }


@api_urls
def test_not_found_answers_404(client):
    response = client.get("/api/raise/not-found/")

    assert response.status_code == 404
    assert _error(response) == {"code": "not_found", "message": "Group not found.", "details": {}}


@api_urls
def test_permission_denied_answers_403(client):
    response = client.get("/api/raise/permission-denied/")

    assert response.status_code == 403
    assert _error(response) == {
        "code": "permission_denied",
        "message": "Only an account manager may merge groups.",
        "details": {},
    }


@api_urls
def test_invalid_input_answers_400_with_the_errors_of_each_field(client):
    response = client.post("/api/signup/", {"email": "not-an-email", "seats": 0}, content_type="application/json")

    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "invalid"
    assert error["message"] == "Some values are not valid."
    assert error["details"] == {
        "email": ["Enter a valid email address."],
        "seats": ["Ensure this value is greater than or equal to 1."],
    }


@api_urls
def test_a_missing_required_field_is_named_in_the_details(client):
    response = client.post("/api/signup/", {"seats": 2}, content_type="application/json")

    assert response.status_code == 400
    assert _error(response)["details"] == {"email": ["This field is required."]}


@api_urls
def test_django_http404_answers_404_not_found(client):
    response = client.get("/api/raise/http404/")

    assert response.status_code == 404
    error = _error(response)
    assert error["code"] == "not_found"
    assert error["message"] == "Not found."
    assert error["details"] == {}


@api_urls
def test_django_permission_denied_answers_403_permission_denied(client):
    response = client.get("/api/raise/django-permission-denied/")

    assert response.status_code == 403
    assert _error(response)["code"] == "permission_denied"


@api_urls
def test_a_wrong_method_answers_405_in_the_same_shape(client):
    response = client.delete("/api/signup/")

    assert response.status_code == 405
    assert _error(response) == {
        "code": "method_not_allowed",
        "message": 'Method "DELETE" not allowed.',
        "details": {},
    }


@api_urls
def test_an_unexpected_exception_is_not_disguised_as_a_user_error(client):
    with pytest.raises(ZeroDivisionError):
        client.get("/api/raise/unexpected/")


@api_urls
def test_an_unexpected_exception_answers_500_in_the_same_shape(db, client):
    client.raise_request_exception = False

    response = client.get("/api/raise/unexpected/")

    assert response.status_code == 500
    assert _error(response)["code"] == "server_error"


# --- handler404 of the real URLconf ------------------------------------------------------------------


def test_an_unknown_api_url_answers_json_404(db, client):
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert _error(response) == {"code": "not_found", "message": "Not found.", "details": {}}


def test_an_unknown_page_answers_the_html_404_page(db, client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "This page does not exist" in response.content.decode()
