"""WSGI entry point for gunicorn; the profile comes from ``BENCH_PROFILE``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.site.settings")
application = get_wsgi_application()
