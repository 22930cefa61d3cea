"""Issued credentials and published status lists verify with ``mcbadge verify`` over loopback
HTTPS (did:web document and status lists fetched, ``--resolve`` pins, throwaway CA)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from https_fixture import HTTPSServer, Route
from mcbadge.cli import main
from mcbadge.issuer import IssuedCredential, Issuer, IssuerStore, SigningKey, did_web_for

pytest_plugins = ["https_fixture"]

ACHIEVEMENT: dict[str, Any] = {
    "id": "https://issuer.test/achievements/csp",
    "type": ["Achievement"],
    "name": "Teaching CS Principles",
    "description": "Taught a unit of CS Principles.",
    "criteria": {"narrative": "Taught a full unit."},
}


class Provider:
    """An issuer whose did.json and status lists are served by the HTTPS fixture."""

    def __init__(self, server: HTTPSServer, tmp: Path, keys: list[SigningKey], fmt: str) -> None:
        self.server, self.tmp = server, tmp
        self.store = IssuerStore(f"sqlite:///{tmp / 'registry.sqlite3'}")
        self.did = did_web_for(f"issuer.test:{server.port}")
        self.fmt = fmt
        self.issuer = self.rotate(keys)

    def rotate(self, keys: list[SigningKey]) -> Issuer:
        self.issuer = self.variant(keys)
        self.serve()
        return self.issuer

    def variant(self, keys: list[SigningKey], *, suspension: bool = False) -> Issuer:
        """The same issuer (DID, registry); ``suspension`` makes suspendable credentials."""
        return Issuer(
            {"id": self.did, "name": "Academy"},
            keys,
            format=self.fmt,
            registry=self.store,
            status_base_url=f"https://status.test:{self.server.port}/status/",
            suspension=suspension,
        )

    def serve(self) -> None:
        routes = self.server.routes
        routes["/.well-known/did.json"] = Route(
            body=json.dumps(self.issuer.did_document()).encode()
        )
        for name, data in self.issuer.publish().files.items():
            routes[f"/status/{name}"] = Route(body=data)

    def save(self, issued: IssuedCredential) -> Path:
        path = self.tmp / f"{issued.credential_id.rsplit(':', 1)[-1]}.json"
        path.write_bytes(issued.to_bytes())
        return path

    def verify(self, *paths: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[Any]]:
        port = self.server.port
        code = main(
            [
                "verify",
                "--format",
                "json",
                "--resolve",
                f"issuer.test:{port}:127.0.0.1",
                "--resolve",
                f"status.test:{port}:127.0.0.1",
                "--ca-bundle",
                str(self.server.ca_path),
                *map(str, paths),
            ]
        )
        lines = capsys.readouterr().out.strip().splitlines()
        return code, [json.loads(line) for line in lines]


def _status_code(report: dict[str, Any]) -> str:
    (status,) = [check for check in report["checks"] if check["id"] == "status"]
    return str(status["code"])


@pytest.mark.parametrize("fmt", ["eddsa-rdfc-2022", "jwt"])
def test_revoked_and_suspended_fail_status_unsuspended_passes(
    https_server: HTTPSServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
) -> None:
    key = SigningKey.generate()
    provider = Provider(https_server, tmp_path, [key], fmt)
    issuer = provider.issuer
    suspending = provider.variant([key], suspension=True)
    revoked = issuer.issue(ACHIEVEMENT, "a@school.example")
    suspended, fine = (suspending.issue(ACHIEVEMENT, f"{n}@school.example") for n in "bc")
    files = [provider.save(issued) for issued in (revoked, suspended, fine)]
    provider.serve()
    code, reports = provider.verify(*files, capsys=capsys)
    assert code == 0, reports
    assert all(report["verified"] for report in reports)

    issuer.revoke(revoked.credential_id, "issued in error")
    suspending.suspend(suspended.credential_id, "under review")
    provider.serve()
    code, reports = provider.verify(*files, capsys=capsys)
    assert code == 1
    assert [report["failed_checks"] for report in reports] == [["status"], ["status"], []]
    assert [_status_code(report) for report in reports[:2]] == [
        "status.revoked",
        "status.suspended",
    ]

    suspending.unsuspend(suspended.credential_id)
    provider.serve()
    code, reports = provider.verify(files[1], files[2], capsys=capsys)
    assert code == 0
    assert all(report["verified"] for report in reports)
    paths = {request.path for request in https_server.requests}
    assert "/.well-known/did.json" in paths
    assert "/status/revocation-1.json" in paths


def test_credential_signed_with_the_old_key_verifies_after_rotation(
    https_server: HTTPSServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old_key, new_key = SigningKey.generate(), SigningKey.generate()
    provider = Provider(https_server, tmp_path, [old_key], "eddsa-rdfc-2022")
    old_file = provider.save(provider.issuer.issue(ACHIEVEMENT, "a@school.example"))
    rotated = provider.rotate([new_key, old_key])
    new_file = provider.save(rotated.issue(ACHIEVEMENT, "b@school.example"))
    code, reports = provider.verify(old_file, new_file, capsys=capsys)
    assert code == 0, reports
    signed_by = [
        json.loads(path.read_text())["proof"][0]["verificationMethod"]
        for path in (old_file, new_file)
    ]
    assert signed_by == [f"{provider.did}#{old_key.fragment}", f"{provider.did}#{new_key.fragment}"]

    # Dropping the old key from did.json (instead of keeping it) breaks the old credential.
    provider.rotate([new_key])
    code, reports = provider.verify(old_file, capsys=capsys)
    assert code != 0
    assert not reports[0]["verified"]
