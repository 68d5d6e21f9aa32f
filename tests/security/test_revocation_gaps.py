"""Attacks on revocation: paths that changed a user's credentials or state without
ending the user's sessions, and reads that trusted a lagging replica."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from jwtauth.sessions.models import RefreshSession
from tests.api.helpers import COOKIE, LOGOUT, PK, REFRESH, bearer, csrf_headers, login
from tests.conftest import FakeClock

pytestmark = pytest.mark.django_db


def _login() -> tuple[APIClient, Any]:
    client = APIClient(enforce_csrf_checks=True)
    return client, login(client)


def _status(token: str) -> tuple[int, str | None]:
    response = APIClient().get(PK, **bearer(token))
    return response.status_code, response.json().get("code")


def _refresh(client: APIClient, response: Any) -> Any:
    return client.post(REFRESH, **csrf_headers(client, response))


# -- any change of the stored password value ends every session ----------------------


def _set_unusable(user: Any) -> None:
    user.set_unusable_password()
    user.save()


def _assign_hash(user: Any) -> None:
    from django.contrib.auth.hashers import make_password

    user.password = make_password("chosen by the help desk 123")
    user.save()


def _assign_hash_update_fields(user: Any) -> None:
    user.password = "!locked-by-script"
    user.save(update_fields=["password"])


def _reloaded_deferred(user: Any) -> None:
    # A user loaded without its password, which is then assigned: the original is unknown.
    deferred = get_user_model().objects.only("pk", "username").get(pk=user.pk)
    deferred.password = "!locked"
    deferred.save()


@pytest.mark.parametrize("change", [_set_unusable, _assign_hash, _assign_hash_update_fields, _reloaded_deferred])
def test_password_change_by_any_path_revokes(revocation_mode: str, user: Any, change: Any) -> None:
    client, response = _login()
    token = response.json()["access_token"]
    assert _status(token) == (200, None)
    change(get_user_model().objects.get(pk=user.pk))
    assert _status(token) == (401, "token_revoked")
    refreshed = _refresh(client, response)
    assert refreshed.status_code == 401
    assert refreshed.json()["code"] == "refresh_token_revoked"
    assert RefreshSession.objects.get().revoke_reason == "password_changed"


def test_saving_other_fields_revokes_nothing(user: Any) -> None:
    _, response = _login()
    fresh = get_user_model().objects.get(pk=user.pk)
    fresh.first_name = "Alice"
    fresh.save()
    get_user_model().objects.only("pk", "email").get(pk=user.pk).save()  # password deferred, not saved
    assert _status(response.json()["access_token"]) == (200, None)


def test_admin_disabling_password_based_authentication_revokes(revocation_mode: str, user: Any) -> None:
    """The incident-response lock-out: the admin's "Password-based authentication: Disabled"."""
    _, response = _login()
    token = response.json()["access_token"]
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    page = admin.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"usable_password": "false", "password1": "", "password2": "", "unset-password": "1"},
    )
    assert page.status_code == 302, page.content
    assert not get_user_model().objects.get(pk=user.pk).has_usable_password()
    assert _status(token) == (401, "token_revoked")


def test_password_change_view_still_keeps_the_callers_session(user: Any) -> None:
    from tests.api.helpers import PASSWORD_CHANGE

    _, mine = _login()
    _, other = _login()
    token = mine.json()["access_token"]
    changed = APIClient().post(
        PASSWORD_CHANGE,
        {"old_password": "correct horse battery staple", "new_password": "a much better passphrase 42"},
        format="json",
        **bearer(token),
    )
    assert changed.status_code == 204
    assert _status(token) == (200, None)
    assert _status(other.json()["access_token"]) == (401, "token_revoked")
    # the marker is good for that one save: a later change of the same instance revokes
    fresh = get_user_model().objects.get(pk=user.pk)
    fresh.set_unusable_password()
    fresh.save()
    assert _status(token) == (401, "token_revoked")


# -- session state is read from the database that is written --------------------------


def _copy_to_replica(*objects: Any) -> None:
    for obj in objects:
        type(obj).objects.using("replica").filter(pk=obj.pk).delete()
        obj.save(using="replica", force_insert=True)


@pytest.fixture
def lagging_replica(settings: Any, user: Any) -> Any:
    _copy_to_replica(user)  # replicated long ago: login reads it there
    settings.DATABASE_ROUTERS = ["tests.testapp.routers.ReadReplicaRouter"]
    return settings


@pytest.mark.django_db(databases=["default", "replica"])
def test_logged_out_token_is_refused_despite_a_lagging_replica(lagging_replica: Any, user: Any) -> None:
    client, response = _login()
    token = response.json()["access_token"]
    # The replica still holds the live session as it was at login.
    _copy_to_replica(RefreshSession.objects.using("default").get())
    assert client.post(LOGOUT, **csrf_headers(client, response)).status_code == 204
    assert RefreshSession.objects.using("replica").get().revoked_at is None  # stale
    assert _status(token) == (401, "token_revoked")


@pytest.mark.django_db(databases=["default", "replica"])
def test_replaced_refresh_token_is_reuse_despite_a_lagging_replica(
    lagging_replica: Any, user: Any, clock: FakeClock
) -> None:
    client, response = _login()
    stolen = client.cookies[COOKIE].value
    _copy_to_replica(RefreshSession.objects.using("default").get())
    assert _refresh(client, response).status_code == 200  # rotates on the primary
    clock.advance(60)  # past the reuse grace period
    attacker = APIClient(enforce_csrf_checks=True)
    attacker.cookies[COOKIE] = stolen
    attacker.cookies["csrftoken"] = client.cookies["csrftoken"].value
    replayed = attacker.post(REFRESH, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert replayed.status_code == 401
    assert replayed.json()["code"] == "refresh_token_reused"


@pytest.mark.django_db(databases=["default", "replica"])
def test_deactivated_user_is_refused_despite_a_lagging_replica(lagging_replica: Any, user: Any) -> None:
    _, response = _login()
    token = response.json()["access_token"]
    _copy_to_replica(RefreshSession.objects.using("default").get())
    # behind jwtauth's back (no signal): only the primary knows
    get_user_model().objects.using("default").filter(pk=user.pk).update(is_active=False)
    assert _status(token) == (401, "user_inactive")


# -- refresh for a deactivated or deleted user ----------------------------------------


def _deactivate_with_signal(user: Any) -> None:
    user.is_active = False
    user.save()


def _deactivate_behind_our_back(user: Any) -> None:
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)


@pytest.mark.parametrize("deactivate", [_deactivate_with_signal, _deactivate_behind_our_back])
def test_refresh_for_a_deactivated_user_is_user_inactive_and_clears_the_cookie(user: Any, deactivate: Any) -> None:
    client, response = _login()
    deactivate(get_user_model().objects.get(pk=user.pk))
    refreshed = _refresh(client, response)
    assert refreshed.status_code == 401
    assert refreshed.json() == {"detail": "The user is inactive or no longer exists.", "code": "user_inactive"}
    assert refreshed.cookies[COOKIE].value == ""
    assert refreshed.cookies[COOKIE]["max-age"] == 0
    assert RefreshSession.objects.get().revoke_reason == "user_inactive"
    # and again: the family stays dead
    assert _refresh(client, response).status_code == 401


def test_refresh_for_a_deleted_user_is_refresh_token_revoked(user: Any) -> None:
    client, response = _login()
    get_user_model().objects.get(pk=user.pk).delete()
    refreshed = _refresh(client, response)
    assert (refreshed.status_code, refreshed.json()["code"]) == (401, "refresh_token_revoked")
    assert refreshed.cookies[COOKIE].value == ""
