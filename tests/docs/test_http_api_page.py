"""docs/http-api.md is the rendering of the current OpenAPI schema."""

from __future__ import annotations

import pytest

pytest.importorskip("drf_spectacular")

from .http_api_page import PAGE, generate_schema, render


def test_http_api_page_matches_the_schema() -> None:
    expected = render(generate_schema())
    assert PAGE.read_text() == expected, (
        "docs/http-api.md is out of date with the OpenAPI schema: regenerate it with "
        "`.venv/bin/python -m tests.docs.http_api_page`"
    )


def test_every_operation_and_error_code_is_on_the_page() -> None:
    schema = generate_schema()
    page = PAGE.read_text()
    for path, methods in schema["paths"].items():
        if not path.startswith("/api/auth/"):
            continue
        for method, operation in methods.items():
            assert f"## `{method.upper()} {path}`" in page
            for response in operation["responses"].values():
                body = response.get("content", {}).get("application/json", {}).get("schema", {})
                for code in body.get("properties", {}).get("code", {}).get("enum", []):
                    assert f"`{code}`" in page
