"""``mcbadge verify --jobs 2`` and ``verify_many(..., jobs=2)`` return real verdicts.

The worker pool must not only keep the input order (tests/integration/test_cli_verify.py) but
say VERIFIED, exit 0, for good signed credentials, and NOT VERIFIED (signature), exit 1, for
a tampered one, at the same place it has in the input, in both formats; a pool that answered
"failed" for everything, or shifted results by one, fails here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mcbadge.cli import main
from mcbadge.did import did_for_key
from mcbadge.keys import generate_key
from mcbadge.proofs import sign
from mcbadge.verify import VerificationPolicy, verify_many

NOW = "2026-06-01T00:00:00Z"
CREATED = datetime(2026, 1, 2, tzinfo=UTC)
KEY = generate_key("ed25519")
# 40 files: more than one chunk of 32, so both workers get some
COUNT = 40
TAMPERED = (3, 35)  # one in each chunk
JWT_AT = (7, 38)


def _credential(number: int) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:00000000-0000-4000-8000-{number:012d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": did_for_key(KEY), "type": ["Profile"], "name": "Academy"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": f"Badge {number}",
        "credentialSubject": {
            "id": f"did:example:teacher-{number}",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.org/a",
                "type": ["Achievement"],
                "name": "A",
                "description": "d",
                "criteria": {"narrative": "n"},
            },
        },
    }


def _documents() -> list[str]:
    texts = []
    for number in range(COUNT):
        if number in JWT_AT:
            token = sign(_credential(number), KEY, format="jwt").jwt
            assert token is not None
            texts.append(token)
            continue
        document = sign(
            _credential(number), KEY, format="eddsa-rdfc-2022", created=CREATED
        ).document
        if number in TAMPERED:
            document["credentialSubject"]["id"] = "did:example:someone-else"
        texts.append(json.dumps(document))
    return texts


DOCUMENTS = _documents()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("jobs")
    paths = []
    for number, text in enumerate(DOCUMENTS):
        path = folder / f"c{number:02d}.json"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _args(*extra: str) -> list[str]:
    return ["verify", "--now", NOW, "--offline", "--jobs", "2", *extra]


def test_jobs_2_json_verdicts_in_input_order(
    files: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(_args("--format", "json", *map(str, files)))
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["file"] for line in lines] == [str(path) for path in files]
    for number, line in enumerate(lines):
        if number in TAMPERED:
            assert line["verified"] is False
            assert line["failed_checks"] == ["signature"]
        else:
            assert line["verified"] is True, (number, line["failed_checks"])
            assert line["failed_checks"] == []
            assert line["summary"]["credential_id"].endswith(f"{number:012d}")
            assert line["summary"]["proof_format"] == (
                "VC-JWT" if number in JWT_AT else "eddsa-rdfc-2022"
            )
    assert code == 1


def test_jobs_2_all_good_exits_0_and_says_verified(
    files: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    good = [path for number, path in enumerate(files) if number not in TAMPERED]
    assert main(_args(*map(str, good))) == 0
    out = capsys.readouterr().out
    assert out.count("NOT VERIFIED") == 0
    assert out.count("VERIFIED") == len(good)


def test_jobs_2_one_tampered_file_exits_1(
    files: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    chosen = [files[0], files[TAMPERED[0]], files[1]]
    assert main(_args(*map(str, chosen))) == 1
    out = capsys.readouterr().out
    blocks = [out.index(str(path)) for path in chosen]
    assert blocks == sorted(blocks)
    tampered = out[blocks[1] : blocks[2]]
    assert "NOT VERIFIED" in tampered
    assert "NOT VERIFIED" not in out[: blocks[1]] + out[blocks[2] :]


def test_jobs_2_exit_codes_of_the_installed_command(files: list[Path]) -> None:
    # the real process: exit status, not main()'s return value
    command = [sys.executable, "-m", "mcbadge", *_args("--format", "json")]
    good = subprocess.run(
        [*command, str(files[0]), str(files[JWT_AT[0]])],
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert good.returncode == 0, good.stderr
    assert [json.loads(line)["verified"] for line in good.stdout.splitlines()] == [True, True]
    bad = subprocess.run(
        [*command, str(files[0]), str(files[TAMPERED[1]])],
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert bad.returncode == 1, bad.stderr
    assert [json.loads(line)["verified"] for line in bad.stdout.splitlines()] == [True, False]
    assert "Traceback" not in good.stderr + bad.stderr


@pytest.mark.parametrize("chunk_size", [1, 32])
def test_verify_many_jobs_2_equals_jobs_1(chunk_size: int) -> None:
    policy = VerificationPolicy(offline=True, now=datetime(2026, 6, 1, tzinfo=UTC))
    serial = [result.to_dict() for result in verify_many(DOCUMENTS, policy, jobs=1)]
    pooled = [
        result.to_dict() for result in verify_many(DOCUMENTS, policy, jobs=2, chunk_size=chunk_size)
    ]
    assert pooled == serial
    assert [result["verified"] for result in pooled] == [
        number not in TAMPERED for number in range(COUNT)
    ]
    assert all(pooled[number]["failed_checks"] == ["signature"] for number in TAMPERED)
