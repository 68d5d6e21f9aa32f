from django.contrib import admin
from django.urls import include, path

from .views import HelloView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("jwtauth.urls")),
    path("api/hello/", HelloView.as_view(), name="hello"),
]
