"""The verified claims a resource server puts on ``request.auth``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ...core.claims import custom_claims, freeze, scopes_of

__all__ = ["ResourceServerClaims"]


class ResourceServerClaims(Mapping[str, object]):
    """Every verified claim of the access token, read-only (``request.auth["sub"]``),
    plus ``.claims``: the custom claims alone, as on the issuer's
    :class:`~jwtauth.core.tokens.AccessClaims` (``request.auth.claims["role"]``).

    Arrays are tuples and objects read-only mappings, so no view can change them.
    """

    __slots__ = ("_all", "claims")

    def __init__(self, claims: Mapping[str, object]) -> None:
        self._all: Mapping[str, object] = {name: freeze(value) for name, value in claims.items()}
        #: The custom claims (those set by the issuer's TOKEN_CLAIMS hook).
        self.claims: Mapping[str, object] = custom_claims(claims)

    def __getitem__(self, name: str) -> object:
        return self._all[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)

    @property
    def sub(self) -> str:
        """The ``sub`` claim: the user's id at the issuer."""
        return str(self._all["sub"])

    @property
    def scopes(self) -> frozenset[str]:
        """The tokens of the ``scope`` claim (RFC 9068 §2.2.3)."""
        return scopes_of(self._all)

    def __repr__(self) -> str:
        return f"ResourceServerClaims(sub={self._all.get('sub')!r}, claims={sorted(self.claims)!r})"
