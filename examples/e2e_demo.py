"""mcbadge end to end, offline: issue, bake, publish, serve, verify, revoke, verify again.

Then the licensure office's view: the K-5 CS stack rule (examples/rules/) evaluated for one
teacher who meets it and one who does not, and the micro-endorsement issued, verified and
re-evaluated from itself. It ends with the provider as a service: ``mcbadge serve`` on
127.0.0.1 (a did:key issuer, its registry in demo-output/service/), where the badge platform
issues two teachers' credentials over HTTP, the office verifies them, the platform revokes
one, the hosted status list says so, and SIGTERM stops the service cleanly.

Run with ``make demo`` (or ``python examples/e2e_demo.py``). Everything happens on this
machine: the "provider" is served by a loopback HTTPS server (127.0.0.1 only) with a
throwaway certificate authority made here, and the verifier reaches it through an explicit
``provider.test:PORT:127.0.0.1`` pin plus that CA, from the library and from
``mcbadge verify --resolve ... --ca-bundle ...``. Outputs stay in ``demo-output/``.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import shlex
import shutil
import signal
import ssl
import struct
import subprocess
import sys
import threading
import time
import uuid
import zlib
from pathlib import Path
from typing import Any

HOST = "provider.test"
EXAMPLES = Path(__file__).resolve().parent
OUT = Path("demo-output")

DEMO_PROFILE = {
    "type": ["Profile"],
    "name": "Demo CS Teaching Academy",
    "url": "https://provider.test",
}
DEMO_CATALOG = [
    {
        "id": "https://provider.test/achievements/cs-principles",
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": "Teaching CS Principles",
        "description": "Planned and taught a unit of AP CS Principles.",
        "criteria": {"narrative": "Taught a full unit and submitted a reflective portfolio."},
    },
    {
        "id": "https://provider.test/achievements/intro-python",
        "type": ["Achievement"],
        "achievementType": "Competency",
        "name": "Teaching Introductory Python",
        "description": "Can teach variables, loops, functions and debugging in Python.",
        "criteria": {"narrative": "Passed the observed lesson and the content exam."},
    },
]
DEMO_ROSTER = [
    ("r1", "ada.lovelace@school.example", "cs-principles"),
    ("r2", "grace.hopper@school.example", "cs-principles"),
    ("r3", "alan.turing@school.example", "intro-python"),
    ("r4", "katherine.johnson@school.example", "intro-python"),
    ("r5", "edsger.dijkstra@school.example", "cs-principles"),
]


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


# -- a badge image, made here ---------------------------------------------------------------
def badge_png(size: int = 96) -> bytes:
    """A small PNG: a gold disc on a blue square (no image library needed)."""
    rows = []
    centre, radius = size / 2, size * 0.4
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            inside = (x - centre) ** 2 + (y - centre) ** 2 <= radius**2
            row += bytes((240, 190, 40) if inside else (30, 70, 160))
        rows.append(bytes(row))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


# -- a throwaway CA and a loopback HTTPS server ---------------------------------------------
def make_tls(directory: Path) -> tuple[Path, Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mcbadge demo CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    paths = (directory / "ca.pem", directory / "server.pem", directory / "server.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def start_server(site: Path, cert: Path, key: Path) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(site), **kwargs)

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "no-cache")
            super().end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    Handler.extensions_map = {".json": "application/json", "": "application/octet-stream"}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# -- the provider's files -------------------------------------------------------------------
def load_inputs(work: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]], list[Any]]:
    """The examples' catalog, roster and profile when present and readable, else built-ins."""
    from mcbadge.errors import MCBadgeError
    from mcbadge.issuer import load_catalog, load_profile, load_roster

    catalog_dir, roster, profile = (
        EXAMPLES / "catalog",
        EXAMPLES / "roster.csv",
        EXAMPLES / "issuer.json",
    )
    if catalog_dir.is_dir() and roster.is_file() and profile.is_file():
        try:
            result = load_profile(profile), load_catalog(catalog_dir), load_roster(roster)
            print(f"using {catalog_dir}, {roster} and {profile}")
            return result
        except MCBadgeError as exc:
            print(f"examples/ inputs not usable ({exc.message}); using the built-in demo data")
    catalog_dir = work / "catalog"
    catalog_dir.mkdir(parents=True, exist_ok=True)
    for achievement in DEMO_CATALOG:
        name = achievement["id"].rsplit("/", 1)[-1]
        (catalog_dir / f"{name}.json").write_text(json.dumps(achievement, indent=2))
    lines = ["row_id,email,achievement"] + [",".join(row) for row in DEMO_ROSTER]
    (work / "roster.csv").write_text("\n".join(lines) + "\n")
    (work / "issuer.json").write_text(json.dumps(DEMO_PROFILE, indent=2))
    print(f"using the built-in demo catalog and roster (written to {work})")
    return (
        load_profile(work / "issuer.json"),
        load_catalog(catalog_dir),
        load_roster(work / "roster.csv"),
    )


def verify_all(entries: list[dict[str, Any]], out: Path, pin: str, ca: Path) -> dict[str, Any]:
    from mcbadge.verify import VerificationPolicy, verify

    results = {}
    for entry in entries:
        policy = VerificationPolicy(resolve=(pin,), ca_bundle=ca, expected_recipient=entry["email"])
        result = verify((out / entry["baked"]).read_bytes(), policy)
        failed = [f"{c.id}:{c.code}" for c in result.checks if c.status == "failed"]
        verdict = "VERIFIED" if result.verified else "FAILED"
        print(f"  {entry['row_id']:<6} {entry['email']:<34} {verdict:<9} {' '.join(failed)}")
        results[entry["credential_id"]] = result
    return results


def verify_with_cli(entries: list[dict[str, Any]], out: Path, pin: str, ca: Path) -> int:
    """Run ``mcbadge verify`` on these badges; prints the command, its output and exit code."""
    files = [str(out / entry["baked"]) for entry in entries]
    command = ["mcbadge", "verify", "--resolve", pin, "--ca-bundle", str(ca), *files]
    print("$ " + " ".join(command))
    completed = subprocess.run(  # noqa: S603 - our own interpreter, a fixed argv, no shell
        [sys.executable, "-m", "mcbadge", *command[1:]],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    for line in (completed.stdout + completed.stderr).splitlines():
        if not line.lstrip().startswith(("[ok", "[skip")):  # passed and skipped checks omitted
            print(f"  {line}")
    print(f"exit code {completed.returncode} (1: at least one credential failed)")
    return completed.returncode


def present_and_verify(entries: list[dict[str, Any]], out: Path, pin: str, ca: Path) -> bool:
    """A teacher presents their credentials to the licensure office, answering its challenge;
    the office verifies the presentation and each credential inside, then refuses a replay."""
    from mcbadge.keys import generate_key
    from mcbadge.present import present
    from mcbadge.registry import ChallengeStore, Registry
    from mcbadge.verify import VerificationPolicy, render_bundle_text, verify_presentation

    teacher = entries[-1]
    mine = [e for e in entries if e["email"] == teacher["email"]]
    office_db = f"sqlite:///{(OUT / 'office.sqlite3').resolve()}"
    with Registry.open(office_db) as registry:
        store = ChallengeStore(registry)
        challenge = store.issue().value
        print(f"office challenge issued (single use, expires in 10 min) for {teacher['email']}")
        signed = present(
            [(out / f"{e['row_id']}.json").read_text() for e in mine],
            generate_key("p256"),  # the teacher's own key: holder = its did:key
            challenge=challenge,
            domain="https://licensure.example",
        )
        (OUT / "presentation.json").write_text(signed.to_text())
        policy = VerificationPolicy(
            resolve=(pin,),
            ca_bundle=ca,
            challenge=challenge,
            domain="https://licensure.example",
            challenge_store=store,
            expected_recipient=teacher["email"],  # the subjects are hashed e-mails
        )
        result = verify_presentation(signed.document, policy)
        for line in render_bundle_text(result, name="presentation.json").splitlines():
            if line.startswith(("presentation.json", "Verdict")) or "credential /" in line:
                print(f"  {line.strip()}")
        replay = verify_presentation(signed.document, policy)
        print(f"  replayed: {replay.outer.check('challenge').code}")
    return result.verified and replay.outer.check("challenge").code == "challenge.reused"


# -- the licensure office's view ----------------------------------------------------------------
K5 = (
    "k5-digital-citizenship",
    "k5-computing-systems-networks",
    "k5-algorithms-programming",
    "k5-data-analysis",
    "k5-cs-lesson-integration",
)
MEETS = "priya.raman@randolph.k12.example.us"
FALLS_SHORT = "luis.ortega@webster.k12.example.us"


class ApprovedProviders:
    """The state's approved-provider list as an IssuerTrust: this run's provider DID (its
    did:web carries this run's port, so no list file can name it in advance)."""

    def __init__(self, list_id: str, provider_did: str) -> None:
        self.list_id, self.provider_did = list_id, provider_did

    def decide(self, credential: Any, result: Any) -> Any:
        from mcbadge.licensure import TrustDecision

        issuer = credential.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if issuer_id == self.provider_did:
            return TrustDecision(True, "trust.listed", "an approved provider", self.list_id)
        return TrustDecision(False, "trust.not_listed", f"{issuer_id} is not an approved provider")


def office_view(issuer: Any, catalog: Any, site: Path, pin: str, ca: Path, port: int) -> bool:
    """Issue each teacher's K-5 set, evaluate the rule, endorse, verify, re-evaluate."""
    from mcbadge.issuer import Issuer, SigningKey
    from mcbadge.licensure import evaluate_documents, load_rule
    from mcbadge.licensure.endorse import endorse, reevaluate
    from mcbadge.report import render_evaluation_html
    from mcbadge.verify import VerificationPolicy, verify

    teachers = OUT / "teachers"
    base = "https://pd.mountainstate.example.edu/cs-pd/achievements/"
    for email in (MEETS, FALLS_SHORT):
        folder = teachers / email.split("@")[0]
        folder.mkdir(parents=True, exist_ok=True)
        for slug in K5:
            level = (
                "not-yet" if email == FALLS_SHORT and slug == "k5-data-analysis" else "proficient"
            )
            issued = issuer.issue(
                catalog[slug],
                email,
                achieved_level=f"{base}{slug}#{level}",
                idempotency_key=f"demo-k5-{email}-{slug}",
            )
            (folder / f"{slug}.json").write_bytes(issued.to_bytes())
    issuer.publish(site / "status")
    rule_file = EXAMPLES / "rules" / "k5-cs-micro-endorsement.json"
    rule = load_rule(rule_file)
    trust = {rule.trust_lists[0]: ApprovedProviders(rule.trust_lists[0], issuer.issuer_id)}
    policy = VerificationPolicy(resolve=(pin,), ca_bundle=ca)
    print(f"rule {rule_file.name}: {rule.name} ({rule.digest})")
    results = {}
    for email in (MEETS, FALLS_SHORT):
        folder = teachers / email.split("@")[0]
        result = evaluate_documents(rule, [folder], policy=policy, trust=trust, recipient=email)
        results[email] = result
        print()
        print(result.render_text())
        (OUT / f"evaluation-{folder.name}.json").write_text(result.to_json() + "\n")
        report = OUT / f"evaluation-{folder.name}.html"
        report.write_text(render_evaluation_html(result), encoding="utf-8")
        print(f"the office's report: {report}")

    step("12. The office issues the micro-endorsement and anyone can check it from itself")
    office = Issuer(
        {"type": ["Profile"], "name": rule.endorsing_body or "Office of Educator Licensure"},
        SigningKey.generate("Ed25519"),
        registry=f"sqlite:///{(OUT / 'office.sqlite3').resolve()}",
        status_base_url=f"https://{HOST}:{port}/office-status/",
    )
    issued = endorse(office, results[MEETS])
    office.publish(site / "office-status")
    endorsement = OUT / "k5-cs-micro-endorsement.json"
    endorsement.write_bytes(issued.to_bytes())
    own = verify(endorsement.read_bytes(), VerificationPolicy(resolve=(pin,), ca_bundle=ca))
    print(
        f"{endorsement}: {'VERIFIED' if own.verified else 'FAILED'} "
        f"(issuer {office.issuer_id[:32]}..., {len(issued.document['evidence'])} constituents)"
    )
    constituents = sorted((teachers / MEETS.split("@")[0]).glob("*.json"))
    again = reevaluate(endorsement, constituents, trust=trust, recipient=MEETS, policy=policy)
    print(
        f"re-evaluated from the endorsement and its constituents: "
        f"{'MET' if again.met else 'NOT MET'}"
    )
    office.registry.close()
    return (
        results[MEETS].met
        and results[FALLS_SHORT].verdict == "not met"
        and own.verified
        and again.met
    )


# -- the provider as a service: mcbadge serve on loopback --------------------------------------
SERVED_TEACHERS = (
    ("priya.raman@randolph.k12.example.us", "k5-digital-citizenship"),
    ("luis.ortega@webster.k12.example.us", "k5-algorithms-programming"),
)


class Service:
    """``mcbadge serve`` started as a person starts it, in a process of its own: its stdout
    lines are read as they come, its stderr goes to a log file."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.log = log
        self._stderr = log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter, a fixed argv
            [sys.executable, "-m", "mcbadge", "serve", *args],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self.lines: list[str] = []

    def started(self) -> str:
        """Print what it printed up to "listening on URL"; the URL."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("listening on "):
                for said in self.log.read_text(encoding="utf-8").splitlines() + self.lines:
                    print(f"  | {said}")
                return line.split()[2]
        raise RuntimeError(f"mcbadge serve did not start: {self.log.read_text()}")

    def stop(self) -> int:
        """SIGTERM (what Ctrl-C or a service manager sends); its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(60)
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            print(f"  | {line.rstrip()}")
        self.process.stdout.close()
        self._stderr.close()
        return code


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def status_bit(http: Any, credential: dict[str, Any]) -> tuple[str, int, bool]:
    """GET the credential's hosted status list; (its URL, the index, whether the bit is set)."""
    from mcbadge.status import decode_bitstring

    entry = credential["credentialStatus"]
    listed = http.get(entry["statusListCredential"])
    listed.raise_for_status()
    bits = decode_bitstring(listed.json()["credentialSubject"]["encodedList"])
    index = int(entry["statusListIndex"])
    return entry["statusListCredential"], index, bool(bits[index // 8] & (0x80 >> (index % 8)))


def service_view(catalog: dict[str, Any], profile: dict[str, Any]) -> bool:
    """The provider's badge platform and the office, over HTTP, against ``mcbadge serve``."""
    import datetime as dt

    import httpx

    from mcbadge.issuer import SigningKey, build_credential

    folder = OUT / "service"  # relative: the service runs in this working directory
    folder.mkdir(parents=True, exist_ok=True)
    key = SigningKey.generate("Ed25519")
    key.save(folder / "provider-key.json")
    db = f"sqlite:///{folder / 'registry.sqlite3'}"
    # the operator's token for the badge platform: printed once on stdout, its SHA-256 kept
    command = ["serve-token", "create", "--client", "demo badge platform"]
    command += ["--issuer", key.did_key, "--db", db]
    print(f"$ mcbadge {shlex.join(command)}   # the token: on stdout, kept by the platform")
    created = subprocess.run(  # noqa: S603 - our own interpreter, a fixed argv, no shell
        [sys.executable, "-m", "mcbadge", *command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    for line in created.stderr.splitlines():
        print(f"  | {line}")
    if created.returncode != 0:
        return False
    token = created.stdout.strip()
    port = free_port()
    args = ["--host", "127.0.0.1", "--port", str(port), "--key", str(folder / "provider-key.json")]
    args += ["--db", db]
    print("$ mcbadge serve " + " ".join(args))
    service = Service(args, folder / "serve.log")
    ok = True
    try:
        url = service.started()
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, timeout=60) as http:
            step("14. The badge platform issues two teachers' credentials over HTTP")
            issued = {}
            for email, slug in SERVED_TEACHERS:
                unsigned = build_credential(
                    credential_id=f"urn:uuid:{uuid.uuid4()}",
                    issuer={**profile, "id": key.did_key},
                    achievement=catalog[slug],
                    recipient_email=email,
                    valid_from=dt.datetime.now(dt.UTC),
                )
                unsigned.pop("credentialStatus", None)  # the service allocates the entry
                answer = http.post(
                    "/credentials/issue",
                    json={"credential": unsigned, "options": {"credentialId": f"demo-{slug}"}},
                    headers=headers,
                )
                credential = answer.json().get("verifiableCredential", {})
                ok &= answer.status_code == 201
                issued[email] = credential
                entry = credential.get("credentialStatus", {})
                print(
                    f"  POST /credentials/issue -> {answer.status_code} {answer.reason_phrase}:"
                    f" {credential.get('id')} for {email} ({catalog[slug]['name']}),"
                    f" status list index {entry.get('statusListIndex')}"
                )
            (folder / "issued.json").write_text(json.dumps(issued, indent=2))

            step("15. The licensure office verifies them over HTTP (no token needed)")
            for email, credential in issued.items():
                result = http.post("/credentials/verify", json={"verifiableCredential": credential})
                verified = result.status_code == 200 and result.json()["verified"] is True
                ok &= verified
                print(f"  POST /credentials/verify {email}: {'VERIFIED' if verified else 'FAILED'}")

            revoked_email = SERVED_TEACHERS[1][0]
            step(f"16. The badge platform revokes {revoked_email}'s credential over HTTP")
            change = http.post(
                "/credentials/status",
                json={
                    # the platform's own name for the award, given when it was issued
                    "credentialId": f"demo-{SERVED_TEACHERS[1][1]}",
                    "credentialStatus": {
                        "type": "BitstringStatusListEntry",
                        "statusPurpose": "revocation",
                    },
                    "status": True,
                },
                headers=headers,
            )
            answer = change.json()
            ok &= change.status_code == 200 and answer.get("revoked") is True
            print(
                f"  POST /credentials/status -> {change.status_code}: {answer.get('credentialId')}"
                f" revoked={answer.get('revoked')} (durable in the registry when answered)"
            )

            step("17. The hosted status list says so, at once (GET), and verifiers see it")
            for email, credential in issued.items():
                list_url, index, is_set = status_bit(http, credential)
                ok &= is_set == (email == revoked_email)
                print(
                    f"  GET {list_url}: bit {index} is {int(is_set)}:"
                    f" {email}'s credential is {'REVOKED' if is_set else 'active'}"
                )
            for email, credential in issued.items():
                result = http.post("/credentials/verify", json={"verifiableCredential": credential})
                body = result.json()
                codes = [problem.get("code") for problem in body.get("problemDetails", [])]
                verdict = "VERIFIED" if body.get("verified") else f"FAILED {' '.join(codes)}"
                ok &= body.get("verified") is (email != revoked_email)
                print(f"  POST /credentials/verify {email}: {verdict}")
    finally:
        step("18. Stop the service with SIGTERM (as Ctrl-C or a service manager would)")
        code = service.stop()
    print(f"mcbadge serve exit code {code} (0: stopped cleanly)")
    return ok and code == 0


def main() -> int:
    started = time.monotonic()
    from mcbadge.issuer import Issuer, SigningKey, did_web_for

    if OUT.exists():
        shutil.rmtree(OUT)
    site, badges, work = OUT / "site", OUT / "badges", OUT / "provider"
    for folder in (site / ".well-known", site / "status", badges, work):
        folder.mkdir(parents=True, exist_ok=True)

    step("1. Start the provider's loopback HTTPS server (throwaway CA, 127.0.0.1 only)")
    ca, cert, tls_key = make_tls(OUT / "tls")
    server = start_server(site, cert, tls_key)
    port = server.server_address[1]
    pin = f"{HOST}:{port}:127.0.0.1"
    print(f"https://{HOST}:{port}/ -> 127.0.0.1:{port}; CA {ca}")

    try:
        step("2. Create the provider: an Ed25519 key and a did:web DID with its did.json")
        profile, catalog, rows = load_inputs(work)
        did = did_web_for(f"{HOST}:{port}")
        key = SigningKey.generate("Ed25519")
        issuer = Issuer(
            {**profile, "id": did},
            key,
            format="eddsa-rdfc-2022",
            registry=f"sqlite:///{(work / 'registry.sqlite3').resolve()}",
            status_base_url=f"https://{HOST}:{port}/status/",
        )
        issuer.active_key.save(work / "key.json")
        (site / ".well-known" / "did.json").write_text(json.dumps(issuer.did_document(), indent=2))
        print(f"issuer {did}; key {work / 'key.json'}; did.json served at /.well-known/did.json")

        step(f"3. Issue the catalog to the roster in one batch ({len(rows)} rows, 2 workers)")
        batch = issuer.issue_batch(rows, catalog=catalog, jobs=2)
        print(f"summary: {batch.summary()}")
        for outcome in batch.outcomes:
            if not outcome.ok:
                print(f"  row {outcome.row.row_id}: {outcome.message} [{outcome.code}]")

        step("4. Bake each credential into a PNG badge")
        from mcbadge.baking import bake

        image = badge_png()
        (OUT / "badge.png").write_bytes(image)
        manifest = []
        for outcome in batch.outcomes:
            if outcome.issued is None:
                continue
            stem = outcome.row.row_id or outcome.issued.credential_id.rsplit(":", 1)[-1]
            (badges / f"{stem}.json").write_bytes(outcome.issued.to_bytes())
            (badges / f"{stem}.png").write_bytes(bake(image, outcome.issued.document))
            manifest.append(
                {
                    "row_id": stem,
                    "email": outcome.row.email,
                    "credential_id": outcome.issued.credential_id,
                    "baked": f"{stem}.png",
                    "status": {p: list(v) for p, v in outcome.issued.status_indexes.items()},
                }
            )
        (badges / "manifest.json").write_text(json.dumps(manifest, indent=2))
        print(f"{len(manifest)} baked badges in {badges}")

        step("5. Publish the signed status list and the revocation list")
        for path in issuer.publish(site / "status").written:
            print(f"  {path}")

        step("6. Verify every badge through HTTPS (did.json + status list fetched)")
        first = verify_all(manifest, badges, pin, ca)
        all_ok = all(result.verified for result in first.values())

        victim = manifest[0]
        step(f"7. Revoke {victim['row_id']} ({victim['credential_id']}) and publish again")
        issuer.revoke(victim["credential_id"], "Demo: issued in error")
        issuer.publish(site / "status")

        step("8. Verify again: exactly that one is revoked")
        second = verify_all(manifest, badges, pin, ca)
        revoked = [cid for cid, result in second.items() if not result.verified]
        status_failed = [
            cid
            for cid, result in second.items()
            if any(c.id == "status" and c.code == "status.revoked" for c in result.checks)
        ]
        step("9. The same check from the command line (mcbadge verify --resolve --ca-bundle)")
        cli_exit = verify_with_cli([manifest[0], manifest[-1]], badges, pin, ca)

        step("10. A teacher presents their badges to the licensure office (challenge, VP)")
        presented = present_and_verify(manifest[1:], badges, pin, ca)
        step("11. The licensure office: the K-5 CS micro-endorsement rule for two teachers")
        office_ok = office_view(issuer, catalog, site, pin, ca, port)
        issuer.registry.close()
        step("13. The provider as a service: mcbadge serve on 127.0.0.1 (a did:key issuer)")
        served = service_view(catalog, profile)
    finally:
        server.shutdown()
        server.server_close()

    ok = (
        all_ok
        and revoked == [victim["credential_id"]] == status_failed
        and cli_exit == 1
        and presented
        and office_ok
        and served
    )
    step(f"Done in {time.monotonic() - started:.1f}s: {'OK' if ok else 'UNEXPECTED RESULT'}")
    print(f"outputs in {OUT.resolve()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
