"""What the verification page tests hand to the page: a provider (a throwaway did:key) that
awarded a teacher the five K-5 micro-credentials, each signed with no status list so it
verifies offline; the same credential as a VC-JWT, baked into a PNG and an SVG, tampered
with, presented by the teacher and gathered in a CLR 2.0 record; the example K-5 rule and
a plain trust list with the rule's id that lists the provider, pinned by its SHA-256."""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import mcbadge
from mcbadge.baking import bake
from mcbadge.clr import build_clr
from mcbadge.did import did_for_key
from mcbadge.licensure.trust import create_trust_list, sha256_hex
from mcbadge.models.builders import award, load_catalog, profile
from mcbadge.present import present
from mcbadge.server.config import LimitsConfig, ServiceConfig

ROOT = Path(__file__).resolve().parents[2]
K5_RULE = ROOT / "examples" / "rules" / "k5-cs-micro-endorsement.json"
LIST_ID = "https://licensure.mountainstate.example.gov/trust/providers.json"
ACHIEVEMENTS = "https://pd.mountainstate.example.edu/cs-pd/achievements/"
TEACHER = "dana.whitlock@pocahontas.k12.example.us"
CHALLENGE = "office-challenge-2c9e"
K5 = (
    "k5-digital-citizenship",
    "k5-computing-systems-networks",
    "k5-algorithms-programming",
    "k5-data-analysis",
    "k5-cs-lesson-integration",
)


def png_image() -> bytes:
    """A valid 1x1 white PNG to bake into."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


SVG_IMAGE = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>\n'


@dataclass
class Kit:
    """Every document the page tests send, as files in ``folder``."""

    folder: Path
    files: dict[str, Path] = field(default_factory=dict)
    trust_list_sha256: str = ""
    provider_did: str = ""

    def write(self, name: str, data: bytes | str) -> Path:
        path = self.folder / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        self.files[name] = path
        return path

    def read(self, name: str) -> bytes:
        return self.files[name].read_bytes()


def make_kit(folder: Path) -> Kit:
    folder.mkdir(parents=True, exist_ok=True)
    kit = Kit(folder)
    key = mcbadge.generate_key("ed25519")
    kit.provider_did = str(did_for_key(key))
    provider = profile(kit.provider_did, "Mountain State University PD Center")
    catalog = load_catalog(ROOT / "examples" / "catalog")
    signed_documents: list[dict[str, Any]] = []
    for slug in K5:
        credential = award(
            catalog[slug], issuer=provider, recipient_email=TEACHER, achieved_level="Proficient"
        )
        signed = mcbadge.sign(credential.to_json(), key, format="eddsa-rdfc-2022")
        kit.write(f"{slug}.json", signed.to_text())
        signed_documents.append(signed.document)
    first = signed_documents[0]
    # the same award as a VC-JWT, and baked into images
    as_jwt = mcbadge.sign(
        award(
            catalog[K5[1]], issuer=provider, recipient_email=TEACHER, achieved_level="Proficient"
        ).to_json(),
        key,
        format="jwt",
    )
    assert as_jwt.jwt is not None
    kit.write("badge.jwt", as_jwt.jwt)
    kit.write("badge.png", bake(png_image(), first))
    kit.write("badge.svg", bake(SVG_IMAGE, first))
    kit.write("blank.png", png_image())  # an image with nothing baked in
    kit.write("notes.txt", "Dana's lesson plan, week 3: loops with beads.\n")
    tampered = json.loads(json.dumps(first))
    tampered["credentialSubject"]["achievement"]["name"] = "Doctorate in Computer Science"
    kit.write("tampered.json", json.dumps(tampered, indent=2))
    # a presentation by the teacher (the subjects name the teacher's e-mail address)
    teacher_key = mcbadge.generate_key("ed25519")
    vp = present(
        signed_documents[:2],
        teacher_key,
        challenge=CHALLENGE,
        now=datetime.now(UTC) - timedelta(seconds=5),
    )
    kit.write("presentation.json", json.dumps(vp.document))
    clr = build_clr(signed_documents, key, issuer=kit.provider_did, recipient=TEACHER)
    kit.write("record.clr.json", clr.to_text())
    trust_list = create_trust_list(
        list_id=LIST_ID,
        name="Mountain State approved micro-credential providers",
        operator_id=str(did_for_key(mcbadge.generate_key("ed25519"))),
        operator_name="Mountain State Office of Educator Licensure",
        valid_until=datetime.now(UTC) + timedelta(days=365),
        issuers=[
            {
                "id": kit.provider_did,
                "name": "Mountain State University PD Center",
                "achievements": [ACHIEVEMENTS + "*"],
                "validFrom": "2024-01-01T00:00:00Z",
                "status": "active",
            }
        ],
    )
    path = kit.write("providers.trust-list.json", json.dumps(trust_list, indent=2) + "\n")
    kit.trust_list_sha256 = sha256_hex(path.read_bytes())
    kit.files["rule.json"] = K5_RULE
    return kit


def page_config(tmp: Path, max_body_bytes: int = 1024 * 1024) -> ServiceConfig:
    """A service with no issuer, on loopback, with the given body limit."""
    return ServiceConfig(
        db=f"sqlite:///{tmp / 'service.db'}",
        limits=LimitsConfig(max_body_bytes=max_body_bytes),
    )
