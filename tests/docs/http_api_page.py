"""Render docs/http-api.md from jwtauth's OpenAPI schema (drf-spectacular).

The page is generated, never edited: ``tests/docs/test_http_api_page.py`` fails when it no
longer matches the schema. Regenerate it from the repository root with::

    .venv/bin/python -m tests.docs.http_api_page
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "http-api.md"
URLCONF = "tests.contrib.openapi.openapi_urls"
MOUNT = "/api/auth/"

HEADER = """\
# HTTP API

<!-- Generated from the OpenAPI schema by tests/docs/http_api_page.py; do not edit by hand. -->

Paths are shown mounted at `{mount}` (`path("api/auth/", include("jwtauth.urls"))`); each also
answers without its trailing slash. Every error body is JSON `{{"detail": "...", "code": "..."}}`
with a stable `code`; every 401 carries `WWW-Authenticate`; every answer that carries a token is
`Cache-Control: no-store`. To serve this schema from your own project, see
[OpenAPI](hardening.md#openapi).

| operation | authentication | success | error statuses |
|---|---|---|---|
"""

_AUTH = {
    "jwtAuth": "`Authorization: Bearer <access token>`",
    "refreshCookie": "refresh cookie",
    "csrfToken": "`X-CSRFToken`",
}


def _auth(operation: Mapping[str, Any]) -> str:
    options = []
    for requirement in operation.get("security", [{}]):
        names = [_AUTH.get(name, f"`{name}`") for name in requirement]
        options.append(" + ".join(names) if names else "none")
    return " or ".join(dict.fromkeys(options))


def _type(schema: Mapping[str, Any]) -> str:
    if "enum" in schema:
        return " \\| ".join(f"`{value!r}`".replace("'", '"') for value in schema["enum"])
    kind = str(schema.get("type", "object"))
    if kind == "array":
        return f"array of {_type(schema.get('items', {}))}"
    if "format" in schema:
        kind += f" ({schema['format']})"
    if schema.get("nullable"):
        kind += " or null"
    return kind


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _fields(schema: Mapping[str, Any], components: Mapping[str, Any]) -> list[str]:
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    properties = schema.get("properties", {})
    if not properties:
        return []
    required = set(schema.get("required", ()))
    lines = ["| field | type | required | meaning |", "|---|---|---|---|"]
    for name, prop in properties.items():
        lines.append(
            f"| `{name}` | {_type(prop)} | {'yes' if name in required else 'no'} | {_cell(prop.get('description', ''))} |"
        )
    return lines


def _operation(path: str, method: str, op: Mapping[str, Any], components: Mapping[str, Any]) -> list[str]:
    out = [f"## `{method.upper()} {path}`", ""]
    if op.get("summary"):
        out += [f"**{op['summary']}.** {op.get('description', '')}".rstrip(), ""]
    out += [f"Authentication: {_auth(op)}.", ""]
    for parameter in op.get("parameters", ()):
        out += [
            f"{parameter['in'].capitalize()} parameter `{parameter['name']}` ({_type(parameter.get('schema', {}))}): "
            f"{_cell(parameter.get('description', ''))}".rstrip(": "),
            "",
        ]
    body = op.get("requestBody")
    if body:
        types = ", ".join(f"`{t}`" for t in body["content"])
        out += [f"Request body ({types}):", ""]
        first = next(iter(body["content"].values()))
        out += [*_fields(first.get("schema", {}), components), ""]
    out += ["| status | meaning | `code` values | headers |", "|---|---|---|---|"]
    for status, response in op["responses"].items():
        content = response.get("content", {}).get("application/json", {}).get("schema", {})
        codes = content.get("properties", {}).get("code", {}).get("enum", [])
        description = _cell(response.get("description", ""))
        if codes and description.startswith("Codes:"):
            description = ""
        headers = ", ".join(f"`{name}`" for name in response.get("headers", {}))
        out.append(f"| {status} | {description} | {', '.join(f'`{c}`' for c in codes)} | {headers} |")
    out.append("")
    for status, response in op["responses"].items():
        if not status.startswith("2"):
            continue
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        fields = _fields(schema, components)
        if fields:
            out += [f"{status} body:", "", *fields, ""]
        for name, header in response.get("headers", {}).items():
            out += [f"`{name}` ({status}): {_cell(header.get('description', ''))}", ""]
    return out


def render(schema: Mapping[str, Any]) -> str:
    """The Markdown page for the jwtauth operations in ``schema`` (an OpenAPI 3 dict)."""
    components = schema.get("components", {}).get("schemas", {})
    operations = [
        (path, method, op)
        for path, methods in schema["paths"].items()
        if path.startswith(MOUNT)
        for method, op in methods.items()
    ]
    summary, sections = [], []
    for path, method, op in operations:
        anchor = f"{method}-{path}".lower().replace("/", "").replace("{", "").replace("}", "")
        success = ", ".join(s for s in op["responses"] if s.startswith("2"))
        errors = ", ".join(s for s in op["responses"] if not s.startswith("2"))
        summary.append(f"| [`{method.upper()} {path}`](#{anchor}) | {_auth(op)} | {success} | {errors} |")
        sections += _operation(path, method, op, components)
    return HEADER.format(mount=MOUNT) + "\n".join(summary) + "\n\n" + "\n".join(sections).rstrip() + "\n"


def generate_schema() -> dict[str, Any]:
    """jwtauth's schema as drf-spectacular builds it (needs Django set up)."""
    from django.conf import settings
    from django.test.utils import override_settings
    from drf_spectacular.generators import SchemaGenerator

    import jwtauth.contrib.openapi.schema  # noqa: F401  (registers the extensions)

    rest_framework = {**settings.REST_FRAMEWORK, "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
    with override_settings(REST_FRAMEWORK=rest_framework):
        return SchemaGenerator(urlconf=URLCONF).get_schema(request=None, public=True)  # type: ignore[no-any-return]


def main() -> None:
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    PAGE.write_text(render(generate_schema()))
    print(f"wrote {PAGE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
