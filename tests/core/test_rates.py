"""Rate strings for the login throttles."""

from __future__ import annotations

import pytest

from jwtauth.core.errors import ConfigInvalid
from jwtauth.core.rates import Rate, parse_rate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20/min", Rate(20, 60)),
        ("5/s", Rate(5, 1)),
        ("5/second", Rate(5, 1)),
        ("10/15min", Rate(10, 900)),
        ("3/2h", Rate(3, 7200)),
        (" 1 / day ", Rate(1, 86400)),
        ("7/M", Rate(7, 60)),
    ],
)
def test_parse_rate(text: str, expected: Rate) -> None:
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["", "20", "20/", "/min", "x/min", "20/week", "0/min", "5/0m", "-1/m", 20, None])
def test_bad_rates(text: object) -> None:
    with pytest.raises(ConfigInvalid):
        parse_rate(text)
