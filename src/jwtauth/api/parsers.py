"""Request parsers that turn every malformed or oversized body into a 400, never a 500."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from .errors import RequestTooLarge

__all__ = ["StrictFormParser", "StrictJSONParser", "StrictMultiPartParser", "check_body_size"]


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, but deep nesting (``RecursionError``) is a ``parse_error``."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nesting too deep") from None


class StrictFormParser(FormParser):
    """DRF's form parser; Django's field-count and size limits
    (``DATA_UPLOAD_MAX_NUMBER_FIELDS``, ``DATA_UPLOAD_MAX_MEMORY_SIZE``) are a
    ``parse_error`` instead of an HTML 400 from Django."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except SuspiciousOperation:  # TooManyFieldsSent, RequestDataTooBig
            raise ParseError("Form parse error - too many fields or too large") from None


class StrictMultiPartParser(MultiPartParser):
    """DRF's multipart parser with Django's limits mapped to ``parse_error``."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except SuspiciousOperation:  # TooManyFieldsSent, TooManyFilesSent, RequestDataTooBig
            raise ParseError("Multipart parse error - too many fields or too large") from None


def check_body_size(request: HttpRequest, limit: int) -> None:
    """Refuse a request whose declared body is larger than ``limit`` bytes, before
    anything reads it.

    Raises:
        RequestTooLarge (413 ``request_too_large``).
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise RequestTooLarge()
