#!/usr/bin/env python3
"""Run the public W3C test suites against ``mcbadge serve`` on loopback.

    .venv/bin/python scripts/w3c_suites.py SUITES_DIR [--only NAME,...] [--keep]

SUITES_DIR holds checkouts of the suites, each with its ``npm install`` done (see
docs/service-w3c.md for how to get them; this script never fetches anything):

    vc-api-issuer-test-suite        vc-api-verifier-test-suite
    vc-data-model-2.0-test-suite    vc-di-eddsa-test-suite
    vc-di-ecdsa-test-suite          vc-bitstring-status-list-test-suite

What it does, in a fresh temp directory: generates two Ed25519 keys and a P-256 key
(``mcbadge keys generate``), writes a service config holding them as did:key issuers (the
second Ed25519 one signs VC-JOSE-COSE ``vc+jwt``), a temp SQLite registry (or ``--db``) and
``invalid_status = 400`` (the suites want a 4xx for a credential that does not verify),
starts ``mcbadge serve --allow-unauthenticated`` on 127.0.0.1 (``--workers N`` processes) and
a small TLS front on another loopback port (the status list suite only dereferences https://
URLs; the service leaves TLS to a front proxy), writes each suite's ``localConfig.cjs`` naming that
service, runs the suite's mocha with the JSON reporter and prints passed / failed / pending per
suite and every failure by name. Node trusts the temp certificate through NODE_EXTRA_CA_CERTS.

It is not part of ``make test``: the suites and their npm dependencies are not in the
repository, and CI has no GitHub access. Exit status: 0 when every suite ran (failures are
reported, not fatal), 2 for a usage or set-up error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

IMPLEMENTATION = "mcbadge"


@dataclass(frozen=True)
class Service:
    url: str  # the https front the suites call
    ed25519_did: str
    p256_did: str
    #: a second Ed25519 key whose issuer signs VC-JOSE-COSE (answers EnvelopedVerifiableCredential)
    envelope_did: str


@dataclass
class Suite:
    name: str  # short name used by --only
    folder: str
    #: builds module.exports of localConfig.cjs for this suite
    implementation: Any
    settings: dict[str, Any] = field(default_factory=dict)


def _endpoint(url: str, path: str, tags: list[str], **extra: Any) -> dict[str, Any]:
    return {"endpoint": f"{url}{path}", "tags": tags, **extra}


def _issuer_suite(s: Service) -> dict[str, Any]:
    return {
        "issuers": [_endpoint(s.url, "/credentials/issue", ["vc-api"], id=s.ed25519_did)],
    }


def _verifier_suite(s: Service) -> dict[str, Any]:
    return {
        "verifiers": [_endpoint(s.url, "/credentials/verify", ["vc-api"], id=s.url)],
    }


def _vc2_suite(s: Service) -> dict[str, Any]:
    both = ["vc2.0", "EnvelopingProof"]
    return {
        "issuers": [
            _endpoint(s.url, "/credentials/issue", ["vc2.0"], id=s.ed25519_did),
            _endpoint(s.url, "/credentials/issue", ["EnvelopingProof"], id=s.envelope_did),
        ],
        "verifiers": [_endpoint(s.url, "/credentials/verify", both, id=s.url)],
        "vpVerifiers": [_endpoint(s.url, "/presentations/verify", both, id=s.url)],
    }


def _eddsa_suite(s: Service) -> dict[str, Any]:
    tags = ["eddsa-rdfc-2022"]
    supports = {"vc": ["1.1", "2.0"]}
    return {
        "issuers": [
            _endpoint(s.url, "/credentials/issue", tags, id=s.ed25519_did, supports=supports)
        ],
        "verifiers": [_endpoint(s.url, "/credentials/verify", tags, id=s.url, supports=supports)],
    }


def _ecdsa_suite(s: Service) -> dict[str, Any]:
    tags = ["ecdsa-rdfc-2019"]
    common = {"supportedEcdsaKeyTypes": ["P-256"], "supports": {"vc": ["1.1", "2.0"]}}
    return {
        "issuers": [_endpoint(s.url, "/credentials/issue", tags, id=s.p256_did, **common)],
        "verifiers": [_endpoint(s.url, "/credentials/verify", tags, id=s.url, **common)],
    }


def _status_suite(s: Service) -> dict[str, Any]:
    tags = ["BitstringStatusList", "Revocation"]
    return {
        "issuers": [_endpoint(s.url, "/credentials/issue", tags, id=s.ed25519_did)],
        "verifiers": [_endpoint(s.url, "/credentials/verify", tags, id=s.url)],
        "vpVerifiers": [_endpoint(s.url, "/presentations/verify", tags, id=s.url)],
    }


SUITES = [
    Suite("issuer", "vc-api-issuer-test-suite", _issuer_suite),
    Suite("verifier", "vc-api-verifier-test-suite", _verifier_suite),
    Suite("vc2", "vc-data-model-2.0-test-suite", _vc2_suite),
    Suite("eddsa", "vc-di-eddsa-test-suite", _eddsa_suite),
    Suite("ecdsa", "vc-di-ecdsa-test-suite", _ecdsa_suite),
    Suite("status", "vc-bitstring-status-list-test-suite", _status_suite),
]


# --- set-up ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _generate_key(mcbadge: list[str], kind: str, out: Path) -> str:
    done = subprocess.run(  # noqa: S603 - our own mcbadge command, fixed arguments
        [*mcbadge, "keys", "generate", "--type", kind, "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    for word in done.stdout.split():
        if word.startswith("did:key:"):
            return word
    raise SystemExit(f"w3c_suites: no did:key in the output of keys generate: {done.stdout!r}")


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 and localhost (ECDSA P-256, one day)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "tls-cert.pem", directory / "tls-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class TlsFront:
    """Terminates TLS on a loopback port and pipes bytes to the service (a front proxy)."""

    def __init__(self, listen_port: int, backend_port: int, cert: Path, key: Path) -> None:
        self.listen_port, self.backend_port = listen_port, backend_port
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TlsFront:
        self.thread.start()
        if not self.ready.wait(10):
            raise SystemExit("w3c_suites: the TLS front did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.listen_port, ssl=self.context)
        )
        self.ready.set()
        try:
            self.loop.run_forever()
        finally:
            server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.backend_port)
        except OSError:
            writer.close()
            return

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while chunk := await src.read(65536):
                    dst.write(chunk)
                    await dst.drain()
            except (OSError, ssl.SSLError):
                pass
            finally:
                with contextlib.suppress(OSError, ssl.SSLError, RuntimeError):
                    dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@contextlib.contextmanager
def running_service(
    mcbadge: list[str], workdir: Path, log: Path, *, db: str | None = None, workers: int = 1
) -> Iterator[tuple[Service, Path]]:
    """Keys, config, ``mcbadge serve`` and its TLS front; yields the service and the cert.

    ``db`` defaults to a fresh SQLite file in ``workdir``."""
    ed25519 = _generate_key(mcbadge, "ed25519", workdir / "ed25519.json")
    p256 = _generate_key(mcbadge, "p256", workdir / "p256.json")
    registry = db or f"sqlite:///{workdir / 'registry.db'}"
    envelope = _generate_key(mcbadge, "ed25519", workdir / "envelope.json")
    cert, key = _self_signed(workdir)
    port, tls_port = _free_port(), _free_port()
    base_url = f"https://127.0.0.1:{tls_port}"
    config = workdir / "serve.toml"
    config.write_text(
        "\n".join(
            [
                'host = "127.0.0.1"',
                f"port = {port}",
                f'base_url = "{base_url}"',
                f'db = "{registry}"',
                f"workers = {workers}",
                "",
                "[[issuers]]",
                'key = "ed25519.json"',
                "",
                "[[issuers]]",
                'key = "p256.json"',
                "",
                "[[issuers]]",
                'key = "envelope.json"',
                'format = "vc+jwt"',
                "",
                "[verify]",
                "invalid_status = 400",
                "",
                "# every suite request comes from 127.0.0.1: one client for the rate limit",
                "[limits]",
                "requests_per_minute = 0",
                "",
            ]
        ),
        encoding="utf-8",
    )
    # --host and --port are repeated on the command line: the flags' defaults win over the file
    serve_command = [*mcbadge, "serve", "--config", str(config), "--allow-unauthenticated"]
    serve_command += ["--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own mcbadge command
            serve_command,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            with TlsFront(tls_port, port, cert, key):
                _wait_healthy(f"{base_url}/healthz", cert, process, log)
                yield Service(base_url, ed25519, p256, envelope), cert
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_healthy(url: str, cert: Path, process: subprocess.Popen[bytes], log: Path) -> None:
    context = ssl.create_default_context(cafile=str(cert))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"w3c_suites: mcbadge serve exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, context=context, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)  # polling a starting server, not synchronising a test
    raise SystemExit(f"w3c_suites: {url} did not answer within 60 s")


# --- running the suites ----------------------------------------------------------------------


def write_local_config(folder: Path, suite: Suite, service: Service) -> None:
    exports = {
        "settings": {"enableInteropTests": False, "testAllImplementations": False},
        "implementations": [
            {
                "name": IMPLEMENTATION,
                "implementation": "mcbadge serve",
                **suite.implementation(service),
            }
        ],
    }
    text = "// written by mcbadge scripts/w3c_suites.py\nmodule.exports = "
    (folder / "localConfig.cjs").write_text(text + json.dumps(exports, indent=2) + ";\n")


def run_suite(folder: Path, cert: Path, report: Path, log: Path) -> dict[str, Any]:
    mocha = folder / "node_modules" / ".bin" / "mocha"
    if not mocha.exists():
        raise SystemExit(f"w3c_suites: {folder} has no node_modules: run npm install there")
    env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(cert)}
    command = [
        str(mocha),
        "tests/",
        "--timeout",
        "30000",
        "--preserve-symlinks",
        "--reporter",
        "json",
        "--reporter-option",
        f"output={report}",
    ]
    with log.open("wb") as out:
        subprocess.run(  # noqa: S603 - the suite's own mocha
            command, cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    if not report.exists():
        return {"stats": {"passes": 0, "failures": 1, "pending": 0}, "failures": [], "crash": 1}
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return data


def summarise(name: str, data: dict[str, Any], log: Path) -> str:
    stats = data.get("stats", {})
    line = (
        f"{name:10} passed {stats.get('passes', 0):4}  failed {stats.get('failures', 0):4}"
        f"  pending {stats.get('pending', 0):4}"
    )
    if data.get("crash"):
        line += f"  (mocha wrote no report; see {log})"
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("suites_dir", type=Path, help="folder holding the suite checkouts")
    parser.add_argument(
        "--only", default="", help="comma-separated: " + ",".join(s.name for s in SUITES)
    )
    parser.add_argument(
        "--mcbadge",
        default=str(Path(sys.executable).with_name("mcbadge")),
        help="the mcbadge command (default: beside this Python)",
    )
    parser.add_argument("--out", type=Path, help="folder for reports and logs (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep localConfig.cjs afterwards")
    parser.add_argument(
        "--db", help="registry URL, e.g. a throwaway PostgreSQL (default: a temp SQLite file)"
    )
    parser.add_argument("--workers", type=int, default=1, help="mcbadge serve --workers")
    args = parser.parse_args(argv)

    wanted = {name for name in args.only.split(",") if name}
    unknown = wanted - {s.name for s in SUITES}
    if unknown:
        parser.error(f"unknown suite(s): {', '.join(sorted(unknown))}")
    chosen = [s for s in SUITES if not wanted or s.name in wanted]
    missing = [s.folder for s in chosen if not (args.suites_dir / s.folder).is_dir()]
    if missing:
        parser.error(f"not found in {args.suites_dir}: {', '.join(missing)}")
    mcbadge = [args.mcbadge]
    if not shutil.which(args.mcbadge):
        parser.error(f"{args.mcbadge} is not an executable")

    out = args.out or Path(tempfile.mkdtemp(prefix="mcbadge-w3c-out-"))
    out.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mcbadge-w3c-") as temp:
        workdir = Path(temp)
        serving = running_service(
            mcbadge, workdir, out / "serve.log", db=args.db, workers=args.workers
        )
        with serving as (service, cert):
            print(f"mcbadge serve at {service.url}")
            print(f"  ed25519 issuer {service.ed25519_did}")
            print(f"  p-256 issuer   {service.p256_did}")
            print(f"  vc+jwt issuer  {service.envelope_did}")
            for suite in chosen:
                folder = args.suites_dir / suite.folder
                write_local_config(folder, suite, service)
                log = out / f"{suite.name}.log"
                try:
                    data = run_suite(folder, cert, out / f"{suite.name}.json", log)
                finally:
                    if not args.keep:
                        (folder / "localConfig.cjs").unlink(missing_ok=True)
                lines.append(summarise(suite.name, data, log))
                print(lines[-1], flush=True)
                for failure in data.get("failures", []):
                    message = (failure.get("err", {}).get("message") or "").splitlines()
                    first = message[0] if message else ""
                    failures.append(f"[{suite.name}] {failure.get('fullTitle')}\n    {first}")
    print("\nSummary")
    print("\n".join(lines))
    if failures:
        print("\nFailures")
        print("\n".join(failures))
    print(f"\nReports and logs: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
