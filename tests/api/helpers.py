from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

LOGIN = "/api/auth/login/"
REFRESH = "/api/auth/refresh/"
LOGOUT = "/api/auth/logout/"
USER = "/api/auth/user/"
HELLO = "/api/hello/"
PK = "/api/pk/"
LOGOUT_ALL = "/api/auth/logout-all/"
SESSIONS = "/api/auth/sessions/"
PASSWORD_CHANGE = "/api/auth/password/change/"
COOKIE = "jwtauth_refresh"


def login(
    client: APIClient, username: str = "alice", password: str = "correct horse battery staple", **extra: Any
) -> Any:
    response = client.post(LOGIN, {"username": username, "password": password}, format="json", **extra)
    assert response.status_code == 200, response.content
    return response


def csrf_headers(client: APIClient, response: Any = None) -> dict[str, str]:
    token = response.json()["csrf_token"] if response is not None else client.cookies["csrftoken"].value
    return {"HTTP_X_CSRFTOKEN": token}


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
