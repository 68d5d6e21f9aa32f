"""jwtauth and its schema only: the URLconf the OpenAPI and fuzz tests use."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("api/auth/", include("jwtauth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="tests.contrib.openapi.openapi_urls"), name="schema"),
]
