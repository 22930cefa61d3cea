"""The cycle collector is paused while a JSON tree is read and verified, and always restored:
on after a run that turned it off, off when the application had turned it off itself."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from typing import Any

import pytest

import mcbadge
from mcbadge import _json as strict_json
from mcbadge._json import collector_paused, loads_strict
from mcbadge.errors import InputError
from mcbadge.verify import pipeline


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_paused_inside_and_restored_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_restored_after_an_exception() -> None:
    with pytest.raises(ValueError, match="boom"), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_an_application_that_keeps_it_off_keeps_it_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_nested_pauses_restore_only_at_the_outer_block() -> None:
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_large_json_is_parsed_with_the_collector_paused_and_it_comes_back_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bool] = []
    text = json.dumps({"items": [{"a": i} for i in range(20_000)]})

    def record(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen.append(gc.isenabled())
        return dict(pairs)

    monkeypatch.setattr(strict_json, "_DECODER", json.JSONDecoder(object_pairs_hook=record))
    assert len(loads_strict(text)["items"]) == 20_000
    assert seen
    assert not any(seen)
    assert gc.isenabled()


def test_a_refused_json_text_still_turns_it_back_on() -> None:
    text = "[" + ",".join(['{"a": 1}'] * 20_000) + ",]"
    with pytest.raises(InputError):
        loads_strict(text)
    assert gc.isenabled()


def test_verify_runs_with_the_collector_paused_and_restores_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bool] = []
    real = pipeline.verify_in_context

    def record(document: object, ctx: Any) -> Any:
        seen.append(gc.isenabled())
        return real(document, ctx)

    monkeypatch.setattr(pipeline, "verify_in_context", record)
    result = mcbadge.verify(b"{}", mcbadge.VerificationPolicy(offline=True))
    assert not result.verified
    assert seen == [False]
    assert gc.isenabled()
    with pytest.raises(TypeError):
        mcbadge.verify(object())  # a programmer error still restores the collector
    assert gc.isenabled()
