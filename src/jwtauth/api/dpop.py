"""DPoP (RFC 9449) on the HTTP side: proofs at login and refresh, DPoP-bound access tokens
on API calls, the ``WWW-Authenticate: DPoP`` challenge and server nonces.

``JWTAUTH["DPOP"]`` chooses the mode: ``"off"`` (the ``DPoP`` header and scheme are
ignored), ``"optional"`` (a login with a proof binds its token family to the proof's key;
bearer sessions keep working) or ``"required"`` (login, refresh and API calls without a
proof are refused). The target URI of a proof is compared with
``request.build_absolute_uri()``, so Django's ``USE_X_FORWARDED_HOST`` /
``SECURE_PROXY_SSL_HEADER`` decide scheme and host behind a proxy.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest
from rest_framework.request import Request

from ..core.bearer import parse_authorization_header
from ..core.dpop import dpop_nonce, verify_dpop_proof
from ..core.errors import ConfigInvalid, DPoPProofInvalid, JWTAuthError, TokenInvalid
from ..core.tokens import AccessClaims
from ..sessions.dpop_replay import record_proof
from ..settings import JWTAuthSettings, get_settings
from .errors import DPOP_NONCE_ATTR, DPOP_NONCE_HEADER, JWTAuthAPIError, api_error, bearer_challenge, message_for

__all__ = [
    "add_nonce_header",
    "challenge",
    "check_access_token_binding",
    "dpop_challenge",
    "dpop_credentials",
    "dpop_error",
    "login_proof_jkt",
    "token_type",
]

#: How long one server nonce is handed out; the previous one is accepted too.
_NONCE_LIFETIME = timedelta(minutes=5)
_SCHEME = "dpop"
_SCHEME_ATTR = "_jwtauth_dpop_scheme"


def _django(request: HttpRequest | Request) -> HttpRequest:
    return request._request if isinstance(request, Request) else request


def _nonces(conf: JWTAuthSettings, now: datetime) -> tuple[str, str] | None:
    if conf.dpop_nonce_key is None:
        return None
    current = dpop_nonce(conf.dpop_nonce_key, now, _NONCE_LIFETIME)
    return current, dpop_nonce(conf.dpop_nonce_key, now, _NONCE_LIFETIME, previous=True)


def _verify(request: HttpRequest, *, access_token: str | None = None, jkt: str | None = None) -> str | None:
    """Verify the request's ``DPoP`` header and record its ``jti``; the key's thumbprint,
    or ``None`` when there is no header."""
    conf = get_settings()
    header = request.META.get("HTTP_DPOP")
    if header is None:
        return None
    now = conf.clock.now()
    nonces = _nonces(conf, now)
    if nonces is not None:
        # Remembered so the error response (and jwtauth's own responses) carry DPoP-Nonce.
        setattr(request, DPOP_NONCE_ATTR, nonces[0])
    proof = verify_dpop_proof(
        header,
        htm=request.method or "",
        htu=request.build_absolute_uri(),
        now=now,
        iat_window=conf.dpop_iat_window,
        algorithms=conf.dpop_algorithms,
        access_token=access_token,
        jkt=jkt,
        nonces=nonces,
    )
    record_proof(proof.jkt, proof.jti, now=now)
    return proof.jkt


def login_proof_jkt(request: HttpRequest | Request, *, allow_missing: bool = False) -> str | None:
    """The DPoP key thumbprint of a ``login/`` or ``refresh/`` request (RFC 9449 §5).

    Returns:
        The thumbprint of the verified proof's key, or ``None`` when DPoP is off or the
        request has no proof in ``"optional"`` mode (or with ``allow_missing``: a
        refresh, where the session decides; a bound family is then revoked as reuse).

    Raises:
        DPoPProofInvalid (``invalid_dpop_proof``): the proof is invalid or replayed, or
            missing in ``"required"`` mode.
        DPoPNonceRequired (``use_dpop_nonce``): ``DPOP_NONCE`` is on and the proof lacks
            the current nonce.
        RevocationUnavailable (``revocation_unavailable``): the replay cache failed.
    """
    conf = get_settings()
    if conf.dpop == "off":
        return None
    http_request = _django(request)
    jkt = _verify(http_request)
    if jkt is None and conf.dpop == "required" and not allow_missing:
        raise DPoPProofInvalid("DPoP proof missing")
    return jkt


def token_type(jkt: str | None) -> str:
    """``token_type`` of a token response: ``"DPoP"`` for a bound token (RFC 9449 §5)."""
    return "DPoP" if jkt is not None else "Bearer"


def dpop_credentials(request: HttpRequest | Request, header: str) -> str | None:
    """The access token of an ``Authorization: DPoP <token>`` header, when DPoP is on.

    Returns:
        The token, or ``None`` for any other scheme (the bearer path handles it).

    Raises:
        TokenInvalid (``token_invalid``): the DPoP scheme with a missing, extra or
            malformed credential (RFC 9449 §7.1 uses RFC 6750's ``token68``).
    """
    if get_settings().dpop == "off" or header.partition(" ")[0].lower() != _SCHEME:
        return None
    setattr(_django(request), _SCHEME_ATTR, True)  # remembered for the challenge
    return parse_authorization_header(header, (_SCHEME,))


def check_access_token_binding(
    request: HttpRequest | Request, token: str, claims: AccessClaims, *, is_dpop: bool
) -> None:
    """Check a verified access token against the request's scheme and DPoP proof.

    ``Authorization: DPoP`` needs a DPoP-bound token and a proof made with its key for
    this method and URI, carrying the token's hash (RFC 9449 §4.3, §7.1), never seen
    before. ``Authorization: Bearer`` is refused for a bound token (it would make the
    binding pointless) and, in ``"required"`` mode, for any token.

    Raises:
        TokenInvalid (``token_invalid``): a bound token sent as Bearer, a bearer token
            where DPoP is required, or an unbound token sent as DPoP.
        DPoPProofInvalid (``invalid_dpop_proof``), DPoPNonceRequired
            (``use_dpop_nonce``), RevocationUnavailable (``revocation_unavailable``).
    """
    conf = get_settings()
    if not is_dpop:
        if claims.jkt is not None:
            raise TokenInvalid("DPoP-bound token presented as Bearer")
        if conf.dpop == "required":
            raise TokenInvalid("bearer token where DPoP is required")
        return
    if claims.jkt is None:
        raise TokenInvalid("bearer token presented with the DPoP scheme")
    if _verify(_django(request), access_token=token, jkt=claims.jkt) is None:
        raise DPoPProofInvalid("DPoP proof missing")


def _quoted(value: Any) -> str:
    return str(value).replace('"', "'").replace("\\", "")


def dpop_challenge(err: JWTAuthError | None = None) -> str:
    """A ``WWW-Authenticate: DPoP`` challenge (RFC 9449 §7.1) with the accepted ``algs``.

    Args:
        err: the failure; a proof error gives its code (``invalid_dpop_proof``,
            ``use_dpop_nonce``), any other ``invalid_token`` (RFC 6750 §3.1).
    """
    algs = " ".join(get_settings().dpop_algorithms)
    if err is None:
        return f'DPoP algs="{algs}"'
    code = err.code if isinstance(err, DPoPProofInvalid) else "invalid_token"
    return f'DPoP error="{code}", error_description="{_quoted(message_for(err))}", algs="{algs}"'


def challenge(request: HttpRequest | Request, realm: str, err: JWTAuthError | None) -> str:
    """The ``WWW-Authenticate`` value of a 401 from the authentication class.

    DPoP off: the Bearer challenge alone. Otherwise the DPoP challenge, preceded or
    followed by the Bearer one in ``"optional"`` mode; the error goes on the scheme the
    client used (RFC 9110 §11.6.1 allows several challenges in one header).
    """
    conf = get_settings()
    if conf.dpop == "off":
        return bearer_challenge(realm, err)
    used_dpop = getattr(_django(request), _SCHEME_ATTR, False) or isinstance(err, DPoPProofInvalid)
    if conf.dpop == "required":
        return dpop_challenge(err)
    if used_dpop:
        return f"{dpop_challenge(err)}, {bearer_challenge(realm)}"
    return f"{bearer_challenge(realm, err)}, {dpop_challenge()}"


def dpop_error(request: HttpRequest | Request, err: DPoPProofInvalid) -> JWTAuthAPIError:
    """The 401 for a proof error at ``login/``/``refresh/``, with its DPoP challenge."""
    exc = api_error(err)
    # DRF's exception handler turns ``auth_header`` into WWW-Authenticate.
    exc.auth_header = dpop_challenge(err)  # type: ignore[attr-defined]
    return exc


def add_nonce_header(request: HttpRequest | Request, response: Any) -> None:
    """Put the current server nonce in ``DPoP-Nonce`` (RFC 9449 §8) when ``DPOP_NONCE`` is on.

    Used by jwtauth's views and exception handler, so a client learns a fresh nonce
    from any of their responses. Adds nothing while the configuration is invalid (the
    response then reports ``config_invalid`` itself).
    """
    try:
        conf = get_settings()
    except ConfigInvalid:
        return
    if conf.dpop == "off" or conf.dpop_nonce_key is None:
        return
    http_request = _django(request)
    nonce = getattr(http_request, DPOP_NONCE_ATTR, None)
    if nonce is None:
        nonces = _nonces(conf, conf.clock.now())
        nonce = nonces[0] if nonces is not None else None
    if nonce is not None:
        response[DPOP_NONCE_HEADER] = nonce
