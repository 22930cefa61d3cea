"""Presentations: the holder side (mcbadge.present), the verifier's outer checks and report
shape, the challenge store on SQLite and PostgreSQL, and the CLI commands."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

ADV = Path(__file__).resolve().parents[1] / "adversarial"
sys.path.insert(0, str(ADV))
from _helpers import ISSUER_KEY, NOW  # noqa: E402
from _signer import sign_di  # noqa: E402
from _vp_kit import (  # noqa: E402
    CHALLENGE,
    DOMAIN,
    SECOND_ISSUER,
    TEACHER,
    check,
    mc_key,
    teacher_credential,
    vp,
)

import mcbadge  # noqa: E402
from mcbadge.cli.app import main  # noqa: E402
from mcbadge.errors import MCBadgeError  # noqa: E402
from mcbadge.present import create_presentation, envelope, present  # noqa: E402
from mcbadge.registry import ChallengeError, ChallengeStore, Registry  # noqa: E402
from mcbadge.verify import (  # noqa: E402
    PRESENTATION_CHECK_IDS,
    VerificationPolicy,
    render_bundle_text,
)
from pg_fixture import pg_url_or_skip  # noqa: E402


def _jwt_credential() -> str:
    from mcbadge.proofs import sign

    issuer = mc_key(SECOND_ISSUER)
    credential = teacher_credential(SECOND_ISSUER, number=5)
    credential.pop("proof")
    token = sign(credential, issuer, format="jwt").jwt
    assert token is not None
    return token


# --- the holder side -----------------------------------------------------------------------


def test_public_names() -> None:
    # like mcbadge.verify, mcbadge.present is its module, callable as its function
    assert callable(mcbadge.present)
    assert mcbadge.present.present is present
    assert mcbadge.verify_presentation is mcbadge.verify.verify_presentation
    assert callable(mcbadge.sign_presentation)
    signed = mcbadge.present([teacher_credential()], mc_key(TEACHER), challenge=CHALLENGE)
    assert signed.document["proof"]["proofPurpose"] == "authentication"


@pytest.mark.parametrize("fmt", ["di", "eddsa-rdfc-2022", "jwt", "vp+jwt"])
def test_every_format_verifies_with_mixed_credentials(fmt: str) -> None:
    key = TEACHER if fmt != "eddsa-rdfc-2022" else SECOND_ISSUER
    creds = [
        teacher_credential(subject=key.did),
        _jwt_credential() if key is TEACHER else teacher_credential(subject=key.did, number=2),
    ]
    document = vp(creds, key=key, format=fmt)
    code, result = check(document)
    assert (code, result.outer.failed_checks) == (0, [])
    assert [n.location for n in result.nested] == [
        "/verifiableCredential/0",
        "/verifiableCredential/1",
    ]
    assert [c.id for c in result.outer.checks] == list(PRESENTATION_CHECK_IDS)


@pytest.mark.parametrize("fmt", ["di", "vp+jwt"])
def test_a_vc_jose_credential_inside_a_presentation_is_verified_as_one(fmt: str) -> None:
    from mcbadge.proofs import sign

    credential = teacher_credential(SECOND_ISSUER, number=6)
    credential.pop("proof")
    token = sign(credential, mc_key(SECOND_ISSUER), format="vc+jwt", created=NOW).jwt
    assert token is not None
    assert envelope(token)["id"].startswith("data:application/vc+jwt,")
    code, result = check(vp([teacher_credential(), token], format=fmt))
    assert code == 0, result.to_dict()
    assert result.nested[1].result.summary.proof_format.startswith("VC-JOSE-COSE")
    # the envelope's media type holds the token to the vc+jwt rules: an OB 3.0 VC-JWT (typ
    # JWT) relabelled as vc+jwt is not accepted as one
    ob_token = _jwt_credential()
    relabelled = {**envelope(ob_token), "id": f"data:application/vc+jwt,{ob_token}"}
    code, result = check(vp([teacher_credential(), relabelled], format="di"))
    assert code == 1
    assert result.failed_locations == ["", "/verifiableCredential/1"]


def test_a_vc_jwt_is_enveloped_in_vcdm2_and_a_string_in_the_vp_claim() -> None:
    token = _jwt_credential()
    two = create_presentation([token])
    assert two["verifiableCredential"] == [envelope(token)]
    assert envelope(token)["id"] == f"data:application/jwt,{token}"
    one = create_presentation([token], version="1.1", jwt_as_string=True)
    assert one["verifiableCredential"] == [token]
    assert one["@context"] == ["https://www.w3.org/2018/credentials/v1"]


def test_vcdm_1_1_data_integrity_presentation() -> None:
    from _helpers import make_credential

    credential = make_credential(ISSUER_KEY, v1=True)
    credential["credentialSubject"]["id"] = TEACHER.did
    document = vp([sign_di(credential, ISSUER_KEY)], version="1.1")
    assert document["@context"][0] == "https://www.w3.org/2018/credentials/v1"
    assert check(document)[0] == 0


@pytest.mark.parametrize(
    ("credentials", "options", "code"),
    [
        ([], {}, "present.no_credentials"),
        ([{"type": ["VerifiableCredential"]}], {}, "present.bad_credential"),
        (["not a jwt"], {}, "present.bad_credential"),
        (None, {"challenge": ""}, "challenge.missing"),
        (None, {"format": "jwt", "domain": None}, "present.domain_required"),
        (None, {"holder": "did:example:not-the-key"}, "key_binding.not_holder_key"),
        (None, {"format": "nope"}, "present.bad_option"),
    ],
)
def test_holder_side_refusals(credentials: Any, options: dict[str, Any], code: str) -> None:
    arguments: dict[str, Any] = {"challenge": CHALLENGE, "domain": DOMAIN, **options}
    with pytest.raises(MCBadgeError) as exc:
        present(
            credentials if credentials is not None else [teacher_credential()],
            mc_key(TEACHER),
            **arguments,
        )
    assert exc.value.code == code


def test_proof_sets_every_proof_must_authenticate() -> None:
    from mcbadge.proofs.presentation import VP_SUITES, sign_presentation_di

    document = vp()
    again = sign_presentation_di(
        document,
        mc_key(TEACHER),
        VP_SUITES["ecdsa-rdfc-2019"],
        verification_method=TEACHER.vm,
        challenge=CHALLENGE,
        domain=DOMAIN,
        created=NOW,
    )
    assert len(again["proof"]) == 2
    assert check(again)[0] == 0
    again["proof"][1]["challenge"] = "other"
    code, result = check(again)
    assert code == 1
    assert result.outer.check("signature").code == "signature.invalid"
    assert result.outer.check("challenge").code == "challenge.mismatch"


# --- the report --------------------------------------------------------------------------------


def test_json_shape_and_text_report_name_the_failed_credential() -> None:
    tampered = teacher_credential(number=2)
    tampered["name"] = "Changed"
    code, result = check(vp([teacher_credential(), tampered]))
    assert code == 1
    shape = json.loads(result.to_json())
    assert shape["kind"] == "presentation"
    assert shape["failed_locations"] == ["", "/verifiableCredential/1"]
    assert [c["id"] for c in shape["outer"]["checks"]] == list(PRESENTATION_CHECK_IDS)
    assert shape["outer"]["failed_checks"] == ["credentials"]
    assert shape["nested"][1]["location"] == "/verifiableCredential/1"
    assert shape["nested"][1]["failed_checks"] == ["signature"]
    text = render_bundle_text(result, name="vp.json")
    assert text.startswith("vp.json: NOT VERIFIED (presentation of 2 credential(s))")
    assert "credential /verifiableCredential/1: NOT VERIFIED" in text
    assert text.endswith(
        "Verdict: NOT VERIFIED: the presentation itself (credentials); "
        "credential(s) at /verifiableCredential/1"
    )


def test_policy_refuses_bad_presentation_settings() -> None:
    with pytest.raises(ValueError, match="holder_binding"):
        VerificationPolicy(holder_binding="off")
    with pytest.raises(ValueError, match="presentation_max_age"):
        VerificationPolicy(presentation_max_age=timedelta(0))


def test_unreadable_presentation_fails_input() -> None:
    result = mcbadge.verify_presentation(b"\xff\xfe", VerificationPolicy(challenge="c"))
    assert result.outer.check("input").code == "input.not_utf8"
    assert not result.verified
    with pytest.raises(TypeError):
        mcbadge.verify_presentation(42)


def test_a_credential_is_not_a_presentation() -> None:
    code, result = check(teacher_credential())
    assert code == 1
    assert result.outer.check("data_model").code == "data_model.invalid"


# --- the challenge store -----------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ChallengeStore]:
    url = f"sqlite:///{tmp_path / 'office.db'}" if request.param == "sqlite" else pg_url_or_skip()
    with Registry.open(url) as registry:
        assert registry.schema_version() >= 3  # the challenges table came with version 3
        yield ChallengeStore(registry)


def test_challenges_are_single_use_and_expire(store: ChallengeStore) -> None:
    now = datetime.now(UTC)
    issued = store.issue(timedelta(minutes=5), now=now)
    assert issued.value not in repr(issued)
    assert len(issued.value) >= 43  # 256 random bits
    store.consume(issued.value, now=now + timedelta(minutes=1))
    for value, at, code in [
        (issued.value, now + timedelta(minutes=2), "challenge.reused"),
        ("never-issued", now, "challenge.unknown"),
        (store.issue(timedelta(seconds=30), now=now).value, now + timedelta(minutes=1), "expired"),
    ]:
        with pytest.raises(ChallengeError) as exc:
            store.consume(value, now=at)
        assert exc.value.code.endswith(code)
    with pytest.raises(ValueError, match="ttl"):
        store.issue(timedelta(days=8))


def test_two_verifiers_racing_for_one_challenge_one_wins(store: ChallengeStore) -> None:
    now = datetime.now(UTC)
    value = store.issue(now=now).value
    outcomes: list[str] = []

    def use() -> None:
        try:
            store.consume(value, now=now)
            outcomes.append("ok")
        except ChallengeError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=use) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["challenge.reused"] * 5 + ["ok"]


def test_store_outage_is_undecided_not_verified(tmp_path: Path) -> None:
    class Broken:
        def consume(self, value: str, *, now: datetime) -> None:
            raise MCBadgeError("database down", code="registry.unavailable")

    code, result = check(vp(), challenge_store=Broken())
    assert code == 2
    assert result.outer.check("challenge").code == "challenge.store_unavailable"


# --- the CLI -------------------------------------------------------------------------------


def test_cli_walkthrough(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mcbadge.keys import save_key

    db = f"sqlite:///{tmp_path / 'office.db'}"
    save_key(mc_key(TEACHER), tmp_path / "teacher.json")
    files = []
    for number, credential in enumerate([teacher_credential(), _jwt_credential()]):
        path = tmp_path / (f"c{number}.jwt" if isinstance(credential, str) else f"c{number}.json")
        path.write_text(credential if isinstance(credential, str) else json.dumps(credential))
        files.append(str(path))
    assert main(["challenge", "new", "--db", db, "--ttl", "600"]) == 0
    challenge = capsys.readouterr().out.strip()
    for fmt, name in (("di", "vp.json"), ("vc+jwt", "vp.jwt")):
        args = ["present", *files, "--key", str(tmp_path / "teacher.json")]
        out = str(tmp_path / name)
        assert (
            main([*args, "--challenge", challenge, "--domain", DOMAIN, "-f", fmt, "-o", out]) == 0
        )
    capsys.readouterr()
    verify = ["verify", "--offline", "--challenge", challenge, "--domain", DOMAIN, "--db", db]
    assert main([*verify, str(tmp_path / "vp.json")]) == 0
    assert "VERIFIED (presentation of 2 credential(s))" in capsys.readouterr().out
    # the same challenge again: refused, whichever presentation carries it
    assert main([*verify, "--format", "json", str(tmp_path / "vp.jwt")]) == 1
    record = json.loads(capsys.readouterr().out)
    assert record["outer"]["failed_checks"] == ["challenge"]
    assert record["file"].endswith("vp.jwt")
    # a presentation and a plain credential in one run: each gets its own report
    assert (
        main(["verify", "--offline", "--challenge", "x", files[0], str(tmp_path / "vp.json")]) == 1
    )
    assert main(["verify", "--offline", files[0]]) == 0


def test_cli_usage_errors(tmp_path: Path) -> None:
    cred = tmp_path / "c.json"
    cred.write_text(json.dumps(teacher_credential()))
    key = tmp_path / "k.json"
    from mcbadge.keys import save_key

    save_key(mc_key(TEACHER), key)
    base = ["present", str(cred), "--key", str(key)]
    assert main([*base, "--challenge", "c", "--format", "ldp"]) == 64
    assert main([*base, "--challenge", " "]) == 64
    assert main([*base, "--challenge", "c", "--vcdm", "3"]) == 64
    assert main(["challenge", "new", "--ttl", "0", "--db", f"sqlite:///{tmp_path}/o.db"]) == 64
    assert main(["verify", str(cred), "--holder-binding", "off"]) == 64


def test_an_enveloped_presentation_is_read() -> None:
    token = vp(format="vp+jwt")
    envelope_vp = {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "id": f"data:application/vp+jwt,{token}",
        "type": "EnvelopedVerifiablePresentation",
    }
    code, result = check(envelope_vp)
    assert (code, result.outer.check("proof").message) == (0, "vp+jwt")
    envelope_vp["id"] = "data:text/plain,hello"
    code, result = check(envelope_vp)
    assert code == 1
    assert result.outer.check("input").code == "input.envelope_media_type"


def test_a_clr_record_carries_an_enveloped_vc_jose_credential() -> None:
    # "wherever a credential may appear": an EnvelopedVerifiableCredential inside a CLR record
    # is embedded as given, read through its token by the builder, verified on its own
    from mcbadge.clr import build_clr
    from mcbadge.proofs import sign
    from mcbadge.proofs.jwt import envelope as jose_envelope

    credential = teacher_credential(SECOND_ISSUER, number=7)
    credential.pop("proof")
    token = sign(credential, mc_key(SECOND_ISSUER), format="vc+jwt", created=NOW).jwt
    assert token is not None
    wrapped = jose_envelope(token)
    record = build_clr(
        [teacher_credential(), wrapped],
        mc_key(TEACHER),
        issuer=TEACHER.did,
        format="ecdsa-rdfc-2019",
        valid_from=NOW,
        created=NOW,
    )
    assert record.document["credentialSubject"]["verifiableCredential"][1] == wrapped
    assert "credentialSchema" not in record.document  # the CLR schema wants objects only
    result = mcbadge.verify_clr(record.document, mcbadge.VerificationPolicy(offline=True, now=NOW))
    assert result.verified, result.to_dict()
    inner = result.nested[1].result
    assert inner.summary.proof_format == "VC-JOSE-COSE (vc+jwt, enveloped)"
