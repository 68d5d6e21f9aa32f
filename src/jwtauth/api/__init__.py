"""The HTTP API: DRF authentication, views, URLs, cookies, CSRF, throttling and errors."""
