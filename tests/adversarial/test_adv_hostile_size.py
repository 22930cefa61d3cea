"""Slow hostile input: documents under the 8 MiB cap built to make JSON-LD work explode.

Each one is verified by ``python -m mcbadge verify --offline --format json`` in a bounded
subprocess (a generous wall-clock timeout and an address-space limit, so a loaded CI host
cannot make them flaky; ``python -m bench hostile`` records the real numbers against the 2 s
budget), and the test asserts the verdict: the failed check's id and code. Before the fix
these took 20-80 s and about 0.5 GiB each (an undefined term went through pyld's full
expansion to be named; a VC-JWT's data-loss check did the same after its signature had
verified).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _helpers import make_credential

from mcbadge.did import did_for_key
from mcbadge.keys import generate_key
from mcbadge.models.builders import ACHIEVEMENT_SCHEMA_URL
from mcbadge.proofs import sign

TIMEOUT_SECONDS = 10
MEMORY_LIMIT = 1536 * 1024 * 1024  # address space; the verifier's peak RSS is far lower
KEY = generate_key("ed25519")  # a fresh did:key: self-signed is as easy as this


def _credential() -> dict[str, Any]:
    credential = make_credential()
    credential["issuer"] = dict(credential["issuer"], id=did_for_key(KEY))
    return credential


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _verify_bounded(path: Path) -> tuple[int, dict[str, Any]]:
    """Exit status and JSON report of ``mcbadge verify`` in a time- and memory-bounded child
    (a timeout fails the test: subprocess.TimeoutExpired)."""
    child = subprocess.run(
        [sys.executable, "-m", "mcbadge", "verify", "--offline", "--format", "json", str(path)],
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        preexec_fn=_limit_memory,
        check=False,
    )
    assert child.stdout, child.stderr.decode("utf-8", "replace")[-2000:]
    report: dict[str, Any] = json.loads(child.stdout.decode("utf-8").splitlines()[0])
    return child.returncode, report


def _check(report: dict[str, Any], check_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in report["checks"] if c["id"] == check_id)
    return found


def _signed_then_grown(tmp_path: Path, key: str, value: Any, **members: Any) -> Path:
    """A credential (with ``members``) signed eddsa-rdfc-2022, then given ``key``: ``value``
    (a wrong signature)."""
    document = sign({**_credential(), **members}, KEY, format="eddsa-rdfc-2022").document
    document[key] = value
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert path.stat().st_size < 8 * 1024 * 1024
    return path


def test_undefined_term_holding_a_large_object_is_refused_in_bounds(tmp_path: Path) -> None:
    path = _signed_then_grown(tmp_path, "junk", {f"k{i}": f"value {i}" for i in range(250_000)})
    status, report = _verify_bounded(path)
    assert status == 1
    assert report["verified"] is False
    data_loss = _check(report, "data_loss")
    assert (data_loss["status"], data_loss["code"]) == ("failed", "data_loss.undefined_term")
    assert "'junk'" in data_loss["message"]


def test_pyld_only_document_over_the_budget_fails_canonicalization(tmp_path: Path) -> None:
    # value objects with a language are not the fast path's: pyld would take ~30 s on these
    tags = [{"@value": f"t{i}", "@language": "en"} for i in range(150_000)]
    schema = {"id": ACHIEVEMENT_SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}
    contexts = [
        *_credential()["@context"],
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ]
    members = {"@context": contexts, "credentialSchema": [schema]}
    path = _signed_then_grown(tmp_path, "name", tags, **members)
    status, report = _verify_bounded(path)
    assert status == 1
    check = _check(report, "canonicalization")
    assert (check["status"], check["code"]) == ("failed", "canonicalization.budget_exceeded")
    # "name" must be a string: the schema check says so without listing 150,000 errors
    schema = _check(report, "schema")
    assert (schema["status"], schema["code"]) == ("failed", "schema.invalid")


@pytest.mark.parametrize("payload", ["array", "object"])
def test_self_signed_vc_jwt_with_a_large_undefined_term_gets_its_verdict_in_bounds(
    tmp_path: Path, payload: str
) -> None:
    credential = _credential()
    credential["junk"] = (
        [f"item {i}" for i in range(100_000)]
        if payload == "array"
        else {f"k{i}": f"value {i}" for i in range(60_000)}
    )
    token = sign(credential, KEY, format="jwt").jwt
    assert token is not None
    path = tmp_path / "hostile.jwt"
    path.write_text(token, encoding="ascii")
    assert 1_000_000 < len(token) < 2_000_000  # VC-JWTs are refused above 2,000,000 characters
    status, report = _verify_bounded(path)
    # The JWS signs these bytes, so the signature verifies; the undefined term is reported
    # as the data_loss warning (docs/jsonld.md, "VC-JWT"), now at once.
    signature = _check(report, "signature")
    assert signature["status"] == "passed"
    data_loss = _check(report, "data_loss")
    assert (data_loss["status"], data_loss["code"]) == ("warning", "data_loss.undefined_term")
    assert (status, report["verified"]) == (0, True)


# In process: verdicts on inputs that are small enough to be quick either way.


def test_vc_jwt_over_the_json_ld_budget_fails_data_loss_not_a_warning() -> None:
    from mcbadge.verify import VerificationPolicy, verify

    credential = _credential()
    # value objects: the pyld path only; 1,500 of them are over its budget (7,500 values)
    credential["name"] = [{"@value": f"n{i}", "@language": "en"} for i in range(1_500)]
    token = sign(credential, KEY, format="jwt").jwt
    result = verify(token, VerificationPolicy(offline=True))
    data_loss = next(c for c in result.checks if c.id == "data_loss")
    assert (data_loss.status, data_loss.code) == ("failed", "data_loss.budget_exceeded")
    assert result.verified is False


def test_to_rdf_budget_counts_array_length_squared_and_names_undefined_terms() -> None:
    from mcbadge.errors import CanonicalizationError, DataLossError
    from mcbadge.jsonld import to_rdf
    from mcbadge.jsonld.process import PYLD_MAX_VALUES

    # few values, one long array the fast path cannot take (a value object at its end):
    # pyld's add_value is quadratic in the array's length
    long_array = _credential()
    long_array["name"] = [f"n{i}" for i in range(1_100)] + [{"@value": "x", "@language": "en"}]
    with pytest.raises(CanonicalizationError) as caught:
        to_rdf(long_array)
    assert caught.value.code == "canonicalization.budget_exceeded"
    # a large document with an undefined term: named by the fast path, pyld never runs
    undefined = _credential()
    undefined["zzz"] = {f"k{i}": i for i in range(PYLD_MAX_VALUES)}
    with pytest.raises(DataLossError) as lost:
        to_rdf(undefined)
    assert lost.value.code == "data_loss.undefined_term"
    assert "'zzz'" in lost.value.message
    # the same term holding nothing is not data loss (expansion drops null), and the
    # document is small: pyld decides, as before
    empty = _credential()
    empty["zzz"] = None
    assert to_rdf(empty)


def test_too_many_distinct_keys_stop_the_walk_with_a_budget_error() -> None:
    from mcbadge.errors import CanonicalizationError
    from mcbadge.jsonld import to_rdf

    document = _credential()
    # 25,000 distinct keys (null values: pyld would drop them after expanding every one)
    document["credentialSubject"].update({f"u{i}": None for i in range(25_000)})
    with pytest.raises(CanonicalizationError) as caught:
        to_rdf(document)
    assert caught.value.code == "canonicalization.budget_exceeded"
