from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from contacts import legacy_api
from contacts.api import api_urlpatterns as contacts_api
from marketing.accounts.api import api_urlpatterns as accounts_api
from marketing.core import views as core_views
from marketing.messaging.api import api_urlpatterns as messaging_api

api_v1 = [*accounts_api, *contacts_api, *messaging_api]

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page links; the icon is an SVG among the static files.
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/", include(legacy_api.urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("account/tokens/", include("marketing.tokens.urls")),
    path("contacts/", include("contacts.urls")),
    path("integrations/", include("integrations.urls")),
    path("", include("marketing.messaging.urls")),
    path("", include("marketing.accounts.urls")),
]

handler400 = "marketing.core.views.error_400"
handler403 = "marketing.core.views.error_403"
handler404 = "marketing.core.views.error_404"
handler500 = "marketing.core.views.error_500"
