from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from tests.testapp.views import (
    AdminOnlyView,
    ClaimsView,
    HelloView,
    OrdersWriteView,
    PkView,
    ResourceServerHelloView,
    ResourceServerOrdersView,
    SsoLoginView,
    StrictSudoView,
    SudoView,
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("jwtauth.urls")),
    path("api/hello/", HelloView.as_view(), name="hello"),
    path("api/resource/", ResourceServerHelloView.as_view(), name="resource"),
    path("api/pk/", PkView.as_view(), name="pk"),
    path("api/sso-login/", SsoLoginView.as_view(), name="sso-login"),
    path("api/claims/", ClaimsView.as_view(), name="claims"),
    path("api/sudo/", SudoView.as_view(), name="sudo"),
    path("api/sudo/strict/", StrictSudoView.as_view(), name="sudo-strict"),
    path("api/admin-only/", AdminOnlyView.as_view(), name="admin-only"),
    path("api/orders/", OrdersWriteView.as_view(), name="orders"),
    path("api/resource/orders/", ResourceServerOrdersView.as_view(), name="resource-orders"),
]

if getattr(settings, "HAS_ALLAUTH", False):
    urlpatterns.append(path("_allauth/", include("allauth.headless.urls")))
