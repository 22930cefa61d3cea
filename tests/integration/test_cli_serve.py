"""``mcbadge serve`` as a person runs it (a subprocess on 127.0.0.1): what it prints, how it
stops on SIGTERM, what it refuses and with which exit code, and the config file under the
command line's flags."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from tests.integration.serve_process import serving
from tests.integration.service_helpers import free_port

from mcbadge.did import did_for_key
from mcbadge.keys import generate_key, save_key


def _key(path: Path) -> str:
    """Write a fresh Ed25519 key file (as ``mcbadge keys generate`` does); its did:key."""
    key = generate_key("ed25519")
    save_key(key, path)
    return did_for_key(key)


def _serve(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``mcbadge serve`` expected to refuse (it never gets to listen)."""
    return subprocess.run(  # our own interpreter, a fixed argv
        [sys.executable, "-m", "mcbadge", "serve", *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_serve_prints_registry_issuer_and_url_answers_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    did = _key(tmp_path / "provider-key.json")
    port = free_port()
    args = ["--port", str(port), "--key", "provider-key.json", "--db", "sqlite:///provider.db"]
    with serving(args, cwd=tmp_path) as served:
        url = served.url()
        assert url == f"http://127.0.0.1:{port}"
        issuer_line = f"issuer {did} (key {tmp_path / 'provider-key.json'}, signs eddsa-rdfc-2022)"
        assert issuer_line in served.lines
        assert not any("authentication is OFF" in line for line in served.lines)
        health = httpx.get(f"{url}/healthz", timeout=30)
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        # authentication is on: an issuing endpoint without a token is 401, never served
        refused = httpx.post(f"{url}/credentials/issue", json={}, timeout=30)
        assert refused.status_code == 401
        assert refused.json()["code"] == "auth.missing_token"
        assert served.stop(signal.SIGTERM) == 0
    assert served.lines[-1] == "stopped: requests in flight finished, registry closed"
    assert f"mcbadge serve: registry sqlite:///{tmp_path / 'provider.db'}" in served.stderr
    assert "Traceback" not in served.stderr
    with socket.socket() as again:  # the port is released
        again.bind(("127.0.0.1", port))


def test_serve_without_db_uses_the_per_user_registry_and_says_so(tmp_path: Path) -> None:
    user_data = tmp_path / "user-data"
    with serving(
        ["--port", str(free_port()), "--allow-unauthenticated"],
        cwd=tmp_path,
        env={"XDG_DATA_HOME": str(user_data)},
    ) as served:
        served.url()
        assert "no issuer keys: this instance only verifies (add --key KEY_FILE to issue)" in (
            served.lines
        )
        assert served.lines[-3].startswith("authentication is OFF (--allow-unauthenticated)")
        assert served.lines[-2].startswith("verification is offline: another provider's did:web")
        assert served.stop(signal.SIGINT) == 0  # Ctrl-C is a clean stop too
    default = user_data / "mcbadge" / "registry.db"
    assert f"mcbadge serve: registry sqlite:///{default}" in served.stderr
    assert default.is_file()


def test_config_file_under_the_flags(tmp_path: Path) -> None:
    """The file's issuers (did:web, a key path relative to the file) and db are used; --port
    and --db given on the command line win over the file's; a --key naming the file's key
    does not add a second issuer."""
    config_dir = tmp_path / "etc"
    config_dir.mkdir()
    _key(config_dir / "provider-key.json")
    with socket.socket() as taken:  # the file's port is busy: only the flag's can work
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        file_port = taken.getsockname()[1]
        (config_dir / "service.toml").write_text(
            f'host = "127.0.0.1"\nport = {file_port}\ndb = "sqlite:///from-file.db"\n'
            "workers = 1\n\n"
            '[[issuers]]\nkey = "provider-key.json"\ndid_web = true\nname = "Mountain State"\n'
            "\n[verify]\ninvalid_status = 422\nfetch = true\nmax_fetches = 8\n"
            "\n[limits]\nrequests_per_minute = 100\n"
            '\n[provider]\nname = "Mountain State Academy"\n',
            encoding="utf-8",
        )
        port = free_port()
        args = ["--config", "etc/service.toml", "--port", str(port)]
        args += ["--db", "sqlite:///from-flag.db", "--key", "etc/provider-key.json"]
        with serving(args, cwd=tmp_path) as served:
            assert served.url() == f"http://127.0.0.1:{port}"
            issuers = [line for line in served.lines if line.startswith("issuer ")]
            assert issuers == [
                f"issuer did:web:127.0.0.1%3A{port} (key {config_dir / 'provider-key.json'},"
                f" signs eddsa-rdfc-2022); DID document"
                f" http://127.0.0.1:{port}/.well-known/did.json"
            ]
            assert httpx.get(f"{served.url()}/healthz", timeout=30).status_code == 200
            discovery = httpx.get(f"{served.url()}/ims/ob/v3p0/discovery", timeout=30).json()
            assert discovery["info"]["title"] == "Mountain State Academy"  # [provider] name
            assert (
                "verification fetches other providers' did:web documents and status lists"
                " ([verify] fetch = true): HTTPS to public addresses only, at most 8 documents"
                " per verification"
            ) in served.lines
            assert served.stop() == 0
    assert f"registry sqlite:///{tmp_path / 'from-flag.db'}" in served.stderr
    assert not (tmp_path / "from-file.db").exists()


@pytest.mark.parametrize(
    ("args", "config", "message"),
    [
        (
            ["--host", "0.0.0.0", "--allow-unauthenticated", "--base-url", "https://b.example"],
            None,
            "--allow-unauthenticated turns authentication off, so it is refused on 0.0.0.0: "
            "it is only allowed on a loopback address (127.0.0.1, ::1)",
        ),
        (
            ["--base-url", "https://b.example"],
            'host = "192.0.2.7"\nallow_unauthenticated = true\n',
            "refused on 192.0.2.7: it is only allowed on a loopback address",
        ),
        (
            ["--host", "0.0.0.0"],
            None,
            "listening on 0.0.0.0 (not loopback) needs --base-url (base_url)",
        ),
        (
            ["--host", "0.0.0.0", "--base-url", "http://badges.example"],
            None,
            "base_url must be https:// (TLS at the front proxy) unless it is loopback",
        ),
        (["--key", "missing.json"], None, "missing.json: no such file"),
        (["--workers", "0"], None, "workers must be at least 1"),
        ([], 'hots = "127.0.0.1"\n', "service.toml: unknown setting 'hots' (known: "),
        ([], "[limits]\nmax_body_byte = 10\n", "unknown setting [limits] 'max_body_byte'"),
        ([], '[[issuers]]\nkey = "k.json"\nsecret = 1\n', "[[issuers]] #1 'secret'"),
        ([], 'port = "8080"\n', "service.toml: port must be an integer"),
        ([], "[verify]\ninvalid_status = 500\n", "invalid_status must be 200, 400 or 422"),
        ([], "[[issuers]]\ndid_web = true\n", '[[issuers]] #1 needs key = "<key file'),
        ([], "port = 80\nport = 81\n", "service.toml is not valid TOML"),
        (
            [],
            '[[issuers]]\nkey = "k.json"\nformat = "rsa-2048"\n',
            "format must be one of eddsa-rdfc-2022, ecdsa-rdfc-2019",
        ),
        (
            [],
            '[[issuers]]\nkey = "k.json"\ndid_web = true\n'
            '[[issuers]]\nkey = "k2.json"\ndid_web = true\n',
            "only one issuer can be the instance's did:web",
        ),
    ],
)
def test_refusals_exit_64_with_one_sentence(
    tmp_path: Path, args: list[str], config: str | None, message: str
) -> None:
    _key(tmp_path / "k.json")
    _key(tmp_path / "k2.json")
    if config is not None:
        (tmp_path / "service.toml").write_text(config, encoding="utf-8")
        args = ["--config", "service.toml", *args]
    refused = _serve([*args, "--db", "sqlite:///r.db"], tmp_path)
    assert refused.returncode == 64, refused.stderr
    assert message in refused.stderr
    assert refused.stderr.startswith("mcbadge serve: error: ")
    assert refused.stdout == ""  # nothing claims to listen
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "r.db").exists()  # refused before any registry is opened


def test_a_key_that_is_not_a_signing_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "k.json").write_text('{"kty": "OKP"}', encoding="utf-8")
    refused = _serve(["--key", "k.json", "--db", "sqlite:///r.db"], tmp_path)
    assert refused.returncode == 64, refused.stderr
    assert f"mcbadge serve: error: issuer key {tmp_path / 'k.json'}: " in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_port_in_use_is_exit_1_and_says_which(tmp_path: Path) -> None:
    _key(tmp_path / "k.json")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = _serve(
            ["--port", str(port), "--key", "k.json", "--db", "sqlite:///r.db"], tmp_path
        )
    assert refused.returncode == 1, refused.stderr
    assert f"mcbadge serve: error: cannot listen on 127.0.0.1:{port}: " in refused.stderr
    assert "in use" in refused.stderr
    assert "listening on" not in refused.stdout


def test_two_workers_serve_and_stop_on_sigterm(tmp_path: Path) -> None:
    did = _key(tmp_path / "k.json")
    args = ["--port", str(free_port()), "--key", "k.json", "--db", "sqlite:///r.db"]
    with serving([*args, "--workers", "2"], cwd=tmp_path) as served:
        url = served.url()
        assert any(line.startswith(f"issuer {did} ") for line in served.lines)
        with httpx.Client(base_url=url, timeout=60) as http:
            assert all(http.get("/healthz").status_code == 200 for _ in range(4))
        assert served.stop() == 0
    assert served.lines[-1].startswith("stopped: ")
    assert "Traceback" not in served.stderr


def _refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return False
    except ConnectionRefusedError:
        return True


def test_sigterm_finishes_the_request_in_flight(tmp_path: Path) -> None:
    """A request whose body has not arrived when SIGTERM comes is answered in full: the
    service stops accepting (new connections are refused), waits for that request, answers
    it, and only then exits 0. ``Expect: 100-continue`` tells the test when the route is
    waiting for the body (the request is in flight)."""
    import time

    port = free_port()
    body = b'{"verifiableCredential": {"type": ["VerifiableCredential"]}}'
    with serving(["--port", str(port), "--db", "sqlite:///r.db"], cwd=tmp_path) as served:
        served.url()
        with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
            conn.sendall(
                b"POST /credentials/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
            )
            interim = b""
            while not interim.endswith(b"\r\n\r\n"):
                interim += conn.recv(1)
            assert interim.startswith(b"HTTP/1.1 100 "), interim
            served.signal(signal.SIGTERM)
            deadline = time.monotonic() + 60
            while not _refuses_connections(port):  # the condition, not a fixed wait
                assert time.monotonic() < deadline, "the service never stopped accepting"
                time.sleep(0.05)
            assert served.process.poll() is None  # still running: the request is in flight
            conn.sendall(body)
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n"), answer
        assert b'\r\n\r\n{"verified":false,' in answer  # the whole answer, then closed
        assert served.stop() == 0
    assert served.lines[-1] == "stopped: requests in flight finished, registry closed"
