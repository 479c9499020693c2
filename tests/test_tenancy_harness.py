"""The harness itself: it must catch a leak, and pass a view that is scoped."""

import pytest
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from marketing import urls as project_urls
from marketing.accounts.models import Department

from .tenancy import TenancyCase, tenancy_violations


def leaky_list(request):
    # Deliberately unscoped: lists every account's departments.
    return HttpResponse(", ".join(Department.objects.values_list("name", flat=True)))


@csrf_exempt
def leaky_detail(request, pk):
    # Deliberately unscoped: fetches and renames by primary key alone.
    department = Department.objects.get(pk=pk)
    if request.method == "POST":
        department.name = request.POST.get("name", "renamed")
        department.save()
    return HttpResponse(department.name)


def scoped_list(request):
    return HttpResponse(", ".join(Department.objects.filter(account=request.account).values_list("name", flat=True)))


@csrf_exempt
def scoped_detail(request, pk):
    department = get_object_or_404(Department, account=request.account, pk=pk)
    if request.method == "POST":
        department.name = request.POST.get("name", "renamed")
        department.save()
    return HttpResponse(department.name)


def forbidding_detail(request, pk):
    # Scoped, but answers "forbidden": that tells B that A's row exists.
    if not Department.objects.filter(account=request.account, pk=pk).exists():
        return HttpResponseForbidden("Department not found.")
    return HttpResponse("ok")


urlpatterns = [
    *project_urls.urlpatterns,
    path("leaky/", leaky_list),
    path("leaky/<int:pk>/", leaky_detail),
    path("scoped/", scoped_list),
    path("scoped/<int:pk>/", scoped_detail),
    path("forbidding/<int:pk>/", forbidding_detail),
]


@pytest.fixture
def secret_department(account, make_department):
    return make_department(account, name="Top secret department of A")


@pytest.fixture
def client_b(other_account, client_for):
    return client_for(other_account.owner)


@pytest.mark.urls(__name__)
def test_harness_catches_an_unscoped_view(client_b, secret_department):
    case = TenancyCase(
        rows=[secret_department],
        secrets=[secret_department.name],
        list_urls=["/leaky/"],
        object_urls=[f"/leaky/{secret_department.pk}/"],
        methods=("get", "post"),
        payload={"name": "stolen"},
    )

    problems = tenancy_violations(client_b, case)

    assert any("GET /leaky/ shows another account's data" in p for p in problems)
    assert any(p.startswith(f"GET /leaky/{secret_department.pk}/ answered 200") for p in problems)
    assert any("was changed" in p for p in problems)
    secret_department.refresh_from_db()
    assert secret_department.name == "stolen"  # the leak really happened, and the harness saw it


@pytest.mark.urls(__name__)
def test_harness_passes_a_scoped_view(client_b, secret_department):
    case = TenancyCase(
        rows=[secret_department],
        secrets=[secret_department.name],
        list_urls=["/scoped/"],
        object_urls=[f"/scoped/{secret_department.pk}/"],
        methods=("get", "post"),
        payload={"name": "stolen"},
    )

    assert tenancy_violations(client_b, case) == []
    secret_department.refresh_from_db()
    assert secret_department.name == "Top secret department of A"


@pytest.mark.urls(__name__)
def test_harness_asks_for_404_not_403_when_told(client_b, secret_department):
    def case(url: str) -> TenancyCase:
        return TenancyCase(
            rows=[secret_department],
            secrets=[secret_department.name],
            object_urls=[url],
            methods=("get", "post"),
            not_found=True,
        )

    assert tenancy_violations(client_b, case(f"/scoped/{secret_department.pk}/")) == []
    assert tenancy_violations(client_b, case(f"/forbidding/{secret_department.pk}/")) == [
        f"GET /forbidding/{secret_department.pk}/ answered 403 instead of 404",
        f"POST /forbidding/{secret_department.pk}/ answered 403 instead of 404",
    ]
