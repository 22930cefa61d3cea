"""The verification routes' JSON answers (:class:`mcbadge.server.responses.FastJSONResponse`):
the bytes Starlette's JSONResponse writes, and what orjson cannot encode encoded as it does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.responses import JSONResponse

from mcbadge.server.responses import FastJSONResponse

ANSWERS: list[Any] = [
    {"verified": True, "problemDetails": [], "checks": [{"id": "proof", "indeterminate": False}]},
    {"name": "Ada Lovelace — Informatique", "line": "a\u2028b", "tab": "\t", "quote": '"'},
    {"n": [0, -1, 2**63 - 1, -(2**63), 1.5, -0.0, 0.30000000000000004], "none": None},
    [{"nested": [[[]], {}]}],
]


@pytest.mark.parametrize("answer", ANSWERS)
def test_the_same_bytes_as_starlette(answer: Any) -> None:
    assert FastJSONResponse(answer).body == JSONResponse(answer).body
    assert FastJSONResponse(answer).headers["content-type"] == "application/json"


def test_an_integer_beyond_64_bits_is_encoded_as_starlette_does() -> None:
    answer = {"input": {"big": 2**70, "small": -(2**64)}}
    assert FastJSONResponse(answer).body == JSONResponse(answer).body
    assert json.loads(FastJSONResponse(answer).body) == answer


def test_a_float_that_is_not_a_number_is_written_as_null_as_documented() -> None:
    # Starlette refuses NaN; orjson writes null. A verification answer holds no float but
    # those of the request's strictly read JSON, which refuses NaN and infinities.
    assert FastJSONResponse({"x": float("nan"), "y": float("inf")}).body == b'{"x":null,"y":null}'
    with pytest.raises(ValueError, match="not JSON compliant"):
        JSONResponse({"x": float("nan")})
