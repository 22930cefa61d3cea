"""JSON answers encoded with orjson: the verification routes' answers (a few KB: every check,
the VCALM results) took about a twentieth of the CPU of verifying a small credential with the
standard library's encoder, and about a sixth of that with orjson (bench/service.py)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse

__all__ = ["FastJSONResponse"]


class FastJSONResponse(JSONResponse):
    """:class:`~starlette.responses.JSONResponse`, encoded by orjson: the same JSON (compact,
    UTF-8), except that a float may be written in another valid form (``1e-7`` for
    ``1e-07``) and NaN and the infinities as ``null`` where Starlette refuses them (the
    answers that use it carry no float but those of the request, read strictly: no NaN, no
    infinity). What orjson does not encode (an integer beyond 64 bits) is encoded as
    Starlette encodes it."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except orjson.JSONEncodeError:
            return super().render(content)
