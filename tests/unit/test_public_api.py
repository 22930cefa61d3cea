"""The public API in ``mcbadge/__init__.py``: explicit, lazily loaded, and light to import."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

import mcbadge

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HEAVY = ("pyld", "jwcrypto", "sqlalchemy", "httpx", "cryptography", "jsonschema", "pydantic")


def _run(code: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return completed.stdout


def test_import_mcbadge_loads_no_heavy_dependency() -> None:
    out = _run(
        "import json, sys\n"
        "import mcbadge\n"
        f"heavy = {HEAVY!r}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))))\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('mcbadge'))))\n"
    )
    loaded_heavy, loaded_own = (json.loads(line) for line in out.splitlines())
    assert loaded_heavy == []
    assert loaded_own == ["mcbadge", "mcbadge.errors"]


def test_touching_a_name_loads_only_what_it_needs() -> None:
    out = _run(
        "import sys, mcbadge\n"
        "mcbadge.bake\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pyld', 'sqlalchemy', 'httpx'}))\n"
    )
    assert out.strip() == "[]"


def test_every_public_name_resolves() -> None:
    assert len(mcbadge.__all__) == len(set(mcbadge.__all__))
    for name in mcbadge.__all__:
        assert getattr(mcbadge, name) is not None, name
        assert name in dir(mcbadge)
    errors = [n for n in mcbadge.__all__ if n.endswith("Error")]
    assert all(issubclass(getattr(mcbadge, n), mcbadge.MCBadgeError) for n in errors)


def test_public_names_are_the_library_objects() -> None:
    from mcbadge.issuer import Issuer
    from mcbadge.keys import generate_key
    from mcbadge.models.builders import award
    from mcbadge.registry import Registry
    from mcbadge.schema import validate
    from mcbadge.signing import SigningRefusedError, sign
    from mcbadge.verify import VerificationPolicy, verify_many

    assert mcbadge.Issuer is Issuer
    assert mcbadge.Registry is Registry
    assert mcbadge.sign is sign  # the checked signer; mcbadge.proofs.sign is the primitive
    assert mcbadge.SigningRefusedError is SigningRefusedError
    assert mcbadge.generate_key is generate_key
    assert mcbadge.award is award
    assert mcbadge.validate is validate
    assert mcbadge.VerificationPolicy is VerificationPolicy
    assert mcbadge.verify_many is verify_many


def test_verify_is_callable_and_still_the_subpackage() -> None:
    import mcbadge.verify.pipeline as pipeline

    assert isinstance(mcbadge.verify, types.ModuleType)
    assert pipeline.__name__ == "mcbadge.verify.pipeline"
    result = mcbadge.verify(b"{}", mcbadge.VerificationPolicy(offline=True))
    assert result.verified is False
    assert result == mcbadge.verify.verify(b"{}", mcbadge.VerificationPolicy(offline=True))


def test_sign_then_verify_through_the_top_level_names() -> None:
    from mcbadge.did import did_for_key

    key = mcbadge.generate_key("ed25519")
    catalog = mcbadge.load_catalog(EXAMPLES / "catalog")
    credential = mcbadge.award(
        next(iter(catalog.values())),
        issuer=mcbadge.profile(id=did_for_key(key), name="Demo Academy"),
        recipient_email="teacher@school.example",
    )
    signed = mcbadge.sign(credential.to_json(), key, format="eddsa-rdfc-2022")
    result = mcbadge.verify(signed.document, mcbadge.VerificationPolicy(offline=True))
    assert result.verified, [c for c in result.checks if c.status == "failed"]


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = mcbadge.no_such_name  # type: ignore[attr-defined]
