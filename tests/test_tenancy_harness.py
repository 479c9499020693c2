"""The harness itself: it must catch a leak, and pass a view that is scoped."""

import pytest
from django.http import HttpResponse
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


urlpatterns = [
    *project_urls.urlpatterns,
    path("leaky/", leaky_list),
    path("leaky/<int:pk>/", leaky_detail),
    path("scoped/", scoped_list),
    path("scoped/<int:pk>/", scoped_detail),
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
