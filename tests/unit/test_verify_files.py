"""mcbadge.verify.files: which files of a folder are verified, and why the others are skipped."""

from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path

from mcbadge.verify.files import FoundFile, find_credential_files


def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")


def test_a_folder_is_walked_in_order_and_every_skip_says_why(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a.json").write_text(json.dumps({"type": ["VerifiableCredential"]}))
    (tmp_path / "b" / "vp.json").write_text(json.dumps({"type": "VerifiablePresentation"}))
    (tmp_path / "b" / "broken.json").write_text('{"type": ')
    (tmp_path / "b" / "catalog.json").write_text(json.dumps({"type": ["Achievement"]}))
    (tmp_path / "b" / "list.json").write_text("[1, 2]")
    (tmp_path / "b" / "token.jwt").write_text("a.b.c")
    (tmp_path / "b" / "plain.png").write_bytes(_png())
    (tmp_path / "notes.md").write_text("x")
    os.mkfifo(tmp_path / "pipe.json")
    found = {
        item.path.relative_to(tmp_path).as_posix(): item.skipped
        for item in find_credential_files([tmp_path])
    }
    assert list(found)[:2] == ["a.json", "notes.md"]  # a folder's own files, then its folders
    assert found["a.json"] is None
    assert found["b/vp.json"] is None
    assert found["b/broken.json"] is None  # verified, and fails: never silently skipped
    assert found["b/token.jwt"] is None
    assert found["b/catalog.json"] == (
        "not a credential: a JSON object with no credential or presentation type"
    )
    assert found["b/list.json"] == "not a credential: JSON with no credential or presentation type"
    assert found["b/plain.png"] == "not a credential: an image with no credential baked in"
    assert found["notes.md"] == "not a credential file: the name ends in .md"
    assert found["pipe.json"] == "not a regular file"


def test_a_file_named_on_its_own_is_always_verified(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a credential")
    assert find_credential_files([notes]) == [FoundFile(notes)]


def test_a_link_to_a_folder_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "inner").mkdir()
    (tmp_path / "inner" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "inner" / "c.json").write_text(json.dumps({"type": ["VerifiableCredential"]}))
    found = find_credential_files([tmp_path])
    assert [item.path.name for item in found] == ["c.json"]
