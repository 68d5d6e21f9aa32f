from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from .views import HelloView, SensitiveView, dev_mail

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("jwtauth.urls")),
    path("api/hello/", HelloView.as_view(), name="hello"),
    path("api/sensitive/", SensitiveView.as_view(), name="sensitive"),
    # django-allauth headless, app client: sign-up, e-mail verification, password reset, MFA, passkeys.
    path("_allauth/", include("allauth.headless.urls")),
]

if settings.DEBUG:
    # The demo's mailbox: every e-mail the API sent (demo_project/mail.py). Never in production.
    urlpatterns.append(path("dev/mail/", dev_mail, name="dev-mail"))
