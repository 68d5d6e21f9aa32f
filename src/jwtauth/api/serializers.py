"""Request and response serializers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

__all__ = [
    "LoginSerializer",
    "StrictCharField",
    "UserSerializer",
    "login_serializer_class",
    "password_change_serializer_class",
    "reauthenticate_serializer_class",
]


class StrictCharField(serializers.CharField):
    """A CharField that accepts only JSON strings (DRF's would turn ``1`` into ``"1"``)."""

    default_error_messages = {"invalid": _("Must be a string.")}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class UserSerializer(serializers.BaseSerializer):  # type: ignore[type-arg]
    """The default ``user`` representation.

    ``id`` (an int, or a string for other primary keys such as UUIDs), the
    ``USERNAME_FIELD`` under its own name and as ``username`` too when they differ (so a
    front end can always read ``user.username``), then ``email``, ``first_name``,
    ``last_name`` and ``is_active`` for the ones the model has. A custom user model
    without some of them simply leaves them out. No database query beyond the user row
    already loaded.
    """

    _OPTIONAL_FIELDS = ("email", "first_name", "last_name", "is_active")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        pk = instance.pk
        data: dict[str, Any] = {"id": pk if isinstance(pk, int) else str(pk)}
        username_field = getattr(type(instance), "USERNAME_FIELD", "username")
        username = instance.get_username()
        data[username_field] = username
        data["username"] = username
        for name in self._OPTIONAL_FIELDS:
            if name not in data and hasattr(instance, name):
                data[name] = getattr(instance, name)
        return data


class LoginSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Validates ``{"<USERNAME_FIELD>": str, "password": str}``; ``username`` is
    accepted as an alias of the username field. Passwords are never trimmed."""

    username_field: str = "username"

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        name = self.username_field
        value = attrs.get(name) if name in attrs else attrs.get("username")
        if not value:
            raise serializers.ValidationError({name: [_("This field is required.")]})
        return {"username": value, "password": attrs["password"]}


def login_serializer_class(password_max_length: int) -> type[LoginSerializer]:
    """Build the login serializer for the current user model and settings."""
    username_field = get_user_model().USERNAME_FIELD
    fields: dict[str, serializers.Field[Any, Any, Any, Any]] = {
        "password": StrictCharField(trim_whitespace=False, max_length=password_max_length),
    }
    fields[username_field] = StrictCharField(required=False, max_length=1024)
    if username_field != "username":
        fields["username"] = StrictCharField(required=False, max_length=1024)
    return type("LoginSerializer", (LoginSerializer,), {"username_field": username_field, **fields})


def password_change_serializer_class(password_max_length: int) -> type[serializers.Serializer]:  # type: ignore[type-arg]
    """Build the ``{"old_password", "new_password"}`` serializer (never trimmed)."""
    fields = {
        name: StrictCharField(trim_whitespace=False, max_length=password_max_length)
        for name in ("old_password", "new_password")
    }
    return type("PasswordChangeSerializer", (serializers.Serializer,), fields)


def reauthenticate_serializer_class(password_max_length: int) -> type[serializers.Serializer]:  # type: ignore[type-arg]
    """Build the ``{"password"}`` serializer of ``reauthenticate/`` (never trimmed)."""
    fields = {"password": StrictCharField(trim_whitespace=False, max_length=password_max_length)}
    return type("ReauthenticateSerializer", (serializers.Serializer,), fields)
