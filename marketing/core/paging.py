"""Paging for screens: one page of a list, with the page numbers to link around it."""

from django.core.paginator import Page, Paginator

PAGE_SIZE = 50


def paginate(request, items, per_page: int = PAGE_SIZE) -> Page:
    """A page of `items`; `page.links` are the page numbers to show around it (with "…" between)."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    page.links = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return page
