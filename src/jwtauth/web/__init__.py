"""DRF glue: authentication, CSRF, cookies, serializers, views, URLs and errors."""
