from django.contrib import admin
from django.urls import include, path

from marketing.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("marketing.accounts.urls")),
]

handler403 = "marketing.core.views.error_403"
handler404 = "marketing.core.views.error_404"
handler500 = "marketing.core.views.error_500"
