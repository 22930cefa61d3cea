"""mcbadge.baking: PNG/SVG bake and unbake, the 1EdTech samples, and hostile images."""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcbadge.baking import bake, bake_png, bake_svg, unbake, unbake_png, unbake_svg
from mcbadge.errors import BakingError

CREDENTIAL: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "urn:x",
    "name": "Ü ]]> </x>",
}
JWS = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"


def _chunk(kind: bytes, body: bytes, crc: int | None = None) -> bytes:
    value = zlib.crc32(kind + body) if crc is None else crc
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", value)


def _png(*extra: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", idat)
        + b"".join(extra)
        + _chunk(b"IEND", b"")
    )


def _itxt(text: bytes, flag: int = 0, keyword: bytes = b"openbadgecredential") -> bytes:
    return _chunk(b"iTXt", keyword + b"\0" + bytes([flag, 0]) + b"\0\0" + text)


SVG = (
    b'<?xml version="1.0"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect/></svg>'
)
SAMPLES = ("examples", "ob3", "validator-samples")


def _code(func: Any, *args: Any) -> str:
    with pytest.raises(BakingError) as info:
        func(*args)
    return info.value.code


# ----------------------------------------------------------------------------- samples


def _jwt_payload(jws: str) -> dict[str, Any]:
    segment = jws.split(".")[1]
    payload: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    )
    return payload


@pytest.mark.parametrize("name", ["simple-json.png", "simple-json.svg"])
def test_validator_json_samples_unbake_to_the_json_sample(reference: Path, name: str) -> None:
    folder = reference.joinpath(*SAMPLES)
    baked = json.loads(unbake((folder / name).read_bytes()))
    expected = json.loads((folder / "simple.json").read_text(encoding="utf-8"))
    # the images were signed with another key than simple.json; everything else is the same
    assert baked["proof"][0]["type"] == "DataIntegrityProof"
    baked.pop("proof")
    expected.pop("proof")
    assert baked == expected


def test_json_png_and_svg_samples_hold_the_same_credential(reference: Path) -> None:
    folder = reference.joinpath(*SAMPLES)
    png = unbake((folder / "simple-json.png").read_bytes())
    svg = unbake((folder / "simple-json.svg").read_bytes())
    assert json.loads(png) == json.loads(svg)


@pytest.mark.parametrize(
    ("name", "credential_id"),
    [
        ("simple-jwt.png", "http://example.com/credentials/3527"),
        ("simple-jwt.svg", "http://example.com/credentials/3527"),
        ("simple-jwt_v1.png", "http://example.edu/credentials/3732"),
        ("simple-jwt_v1.svg", "http://example.edu/credentials/3732"),
    ],
)
def test_validator_jwt_samples_unbake_to_a_compact_jws(
    reference: Path, name: str, credential_id: str
) -> None:
    folder = reference.joinpath(*SAMPLES)
    text = unbake((folder / name).read_bytes())
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", text)
    payload = _jwt_payload(text)
    credential = payload.get("vc", payload)  # VCDM 1.1 JWTs wrap the credential in `vc`
    assert credential["id"] == credential_id
    assert payload["jti"] == credential_id


def test_vcdm2_jwt_sample_carries_the_simple_json_credential(reference: Path) -> None:
    folder = reference.joinpath(*SAMPLES)
    payload = _jwt_payload(unbake((folder / "simple-jwt.png").read_bytes()))
    expected = json.loads((folder / "simple.json").read_text(encoding="utf-8"))
    for key in ("@context", "type", "credentialSubject"):
        assert payload[key] == expected[key]


# ----------------------------------------------------------------------------- PNG


def test_png_round_trip_json_and_jws() -> None:
    baked = bake_png(_png(), CREDENTIAL)
    assert json.loads(unbake_png(baked)) == CREDENTIAL
    assert unbake_png(bake_png(_png(), JWS)) == JWS


def test_png_chunk_layout_follows_the_spec() -> None:
    baked = bake_png(_png(), JWS)
    # the credential chunk sits right before IEND, uncompressed, empty language and keyword
    expected = _itxt(JWS.encode()) + _chunk(b"IEND", b"")
    assert baked.endswith(expected)


def test_png_rebake_replaces_the_credential() -> None:
    once = bake_png(_png(), CREDENTIAL)
    twice = bake_png(once, JWS)
    assert unbake_png(twice) == JWS
    assert twice.count(b"openbadgecredential") == 1


def test_baking_refuses_something_that_is_not_a_credential() -> None:
    assert _code(bake_png, _png(), "hello") == "input.baking_bad_credential"
    assert _code(bake_png, _png(), {"n": float("nan")}) == "input.baking_bad_credential"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"GIF89a....", "input.baking_unknown_format"),
        (_png(), "input.baking_no_credential"),
        (_png(_itxt(b"{}"), _itxt(b"{}")), "input.baking_duplicate"),
        (_png(_itxt(b"{}"), _chunk(b"tEXt", b"openbadgecredential\0{}")), "input.baking_duplicate"),
        (_png(_chunk(b"tEXt", b"openbadgecredential\0{}")), "input.baking_wrong_chunk"),
        (_png(_itxt(zlib.compress(b"{}"), flag=1)), "input.baking_compressed"),
        (_png(_itxt(b"\xff\xfe{}")), "input.baking_not_utf8"),
        (_png(_chunk(b"iTXt", b"openbadgecredential\0\0")), "input.baking_truncated"),
        (_png(_chunk(b"iTXt", b"openbadgecredential\0\0\0\0")), "input.baking_truncated"),
        (_png(_chunk(b"iTXt", b"openbadgecredential\0\0\0\0\0{}", crc=1)), "input.baking_bad_crc"),
        (_png(_itxt(b"{}"))[:-20], "input.baking_truncated"),
        (_png(_itxt(b"{}"))[:-2], "input.baking_truncated"),
        (_png(_itxt(b"{}")) + b"trailing", "input.baking_trailing_data"),
        (_png(_itxt(b"{}")).replace(b"IHDR", b"IH\x00R"), "input.baking_bad_chunk"),
        (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 0xFFFFFFF0) + b"iTXt", "input.baking_truncated"),
    ],
)
def test_hostile_pngs_are_refused(data: bytes, code: str) -> None:
    assert _code(unbake, data) == code


def test_oversize_images_are_refused() -> None:
    baked = bake_png(_png(), CREDENTIAL)
    with pytest.raises(BakingError) as info:
        unbake(baked, max_bytes=len(baked) - 1)
    assert info.value.code == "input.baking_too_large"
    with pytest.raises(BakingError) as info:
        unbake_svg(SVG, max_bytes=10)
    assert info.value.code == "input.baking_too_large"


# ----------------------------------------------------------------------------- SVG


def test_svg_round_trip_json_with_cdata_terminator_inside() -> None:
    baked = bake_svg(SVG, CREDENTIAL)
    assert b'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in baked
    assert b'/ob/v3p0"><openbadges:credential><![CDATA[{' in baked
    assert json.loads(unbake_svg(baked)) == CREDENTIAL


def test_svg_round_trip_jws_in_verify_attribute() -> None:
    baked = bake(SVG, JWS)
    assert f'<openbadges:credential verify="{JWS}"/>'.encode() in baked
    assert unbake(baked) == JWS


def test_svg_self_closing_root_and_existing_namespace() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"/>'
    baked = bake_svg(svg, JWS)
    assert baked.count(b"xmlns:openbadges") == 1
    assert baked.endswith(b"</svg>")
    assert unbake_svg(baked) == JWS


def test_svg_rebake_is_refused() -> None:
    assert _code(bake_svg, bake_svg(SVG, JWS), JWS) == "input.baking_already_baked"


def test_svg_sample_rebake_refused_but_plain_sample_bakes(reference: Path) -> None:
    folder = reference.joinpath(*SAMPLES)
    assert (
        _code(bake_svg, (folder / "simple-json.svg").read_bytes(), JWS)
        == "input.baking_already_baked"
    )


_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"'
_JWS_ELEMENT = f'<openbadges:credential verify="{JWS}"/>'


def _svg(body: str, doctype: str = "") -> bytes:
    return f"{doctype}<svg {_NS}>{body}</svg>".encode()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (_svg(""), "input.baking_no_credential"),
        (_svg("<openbadges:credential/>"), "input.baking_no_credential"),
        (_svg(_JWS_ELEMENT * 2), "input.baking_duplicate"),
        (
            _svg(f"<g>{_JWS_ELEMENT}</g><openbadges:credential>{{}}</openbadges:credential>"),
            "input.baking_duplicate",
        ),
        (
            _svg(f'<openbadges:credential verify="{JWS}">{{}}</openbadges:credential>'),
            "input.baking_ambiguous",
        ),
        (
            _svg(
                "<openbadges:credential>&x;</openbadges:credential>",
                f'<!DOCTYPE svg [<!ENTITY x "{JWS}">]>',
            ),
            "input.baking_dtd",
        ),
        (
            _svg("&b;", '<!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'),
            "input.baking_dtd",
        ),
        (
            _svg("&x;", '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'),
            "input.baking_dtd",
        ),
        (
            # an ATTLIST default would inject a verify attribute nobody wrote
            _svg(
                "<openbadges:credential/>",
                f'<!DOCTYPE svg [<!ATTLIST openbadges:credential verify CDATA "{JWS}">]>',
            ),
            "input.baking_dtd",
        ),
        (_svg("<openbadges:credential>"), "input.baking_malformed_xml"),
        (b"<html><body/></html>", "input.baking_not_svg"),
        (
            _svg("<openbadges:credential>x</openbadges:credential>").replace(b"x<", b"\xff<"),
            "input.baking_not_utf8",
        ),
    ],
)
def test_hostile_svgs_are_refused(data: bytes, code: str) -> None:
    assert _code(unbake, data) == code


def test_svg_with_openbadges_prefix_bound_elsewhere_cannot_be_baked() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="urn:other"/>'
    assert _code(bake_svg, svg, JWS) == "input.baking_bad_namespace"


# ----------------------------------------------------------------------------- CLI


def test_cli_bake_then_unbake_round_trip(
    tmp_path: Path, reference: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcbadge.cli.app import main

    folder = reference.joinpath(*SAMPLES)
    image = tmp_path / "badge.png"
    image.write_bytes(_png())
    out = tmp_path / "baked.png"
    assert main(["bake", str(folder / "simple.json"), str(image), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["unbake", str(out)]) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed) == json.loads((folder / "simple.json").read_text(encoding="utf-8"))
    svg = tmp_path / "badge.svg"
    svg.write_bytes(SVG)
    assert main(["bake", str(folder / "simple.jwt"), str(svg), "-o", str(tmp_path / "b.svg")]) == 0
    assert main(["unbake", str(tmp_path / "b.svg"), "--out", str(tmp_path / "c.jwt")]) == 0
    expected_jws = (folder / "simple.jwt").read_text(encoding="utf-8").strip()
    assert (tmp_path / "c.jwt").read_text(encoding="utf-8").strip() == expected_jws


def test_cli_refusals_exit_codes(
    tmp_path: Path, reference: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcbadge.cli.app import main

    folder = reference.joinpath(*SAMPLES)
    assert main(["unbake", str(folder / "simple.json")]) == 1
    assert "[input.baking_unknown_format]" in capsys.readouterr().err
    assert main(["unbake", str(tmp_path / "missing.png")]) == 64
    assert (
        main(
            [
                "bake",
                str(folder / "simple.json"),
                str(folder / "simple-json.svg"),
                "-o",
                str(tmp_path / "x"),
            ]
        )
        == 1
    )
    assert "[input.baking_already_baked]" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    assert main(["bake", str(folder / "simple.json")]) == 64


# ----------------------------------------------------------------------------- properties

_json_text = st.dictionaries(
    st.text(max_size=8),
    st.text(alphabet=st.sampled_from("ab]>[<&\"'\\é\U0001f600 \n"), max_size=30),
    max_size=4,
)


@settings(max_examples=60, deadline=None)
@given(_json_text)
def test_any_credential_object_round_trips_through_png_and_svg(credential: dict[str, str]) -> None:
    assert json.loads(unbake(bake(_png(), credential))) == credential
    assert json.loads(unbake(bake(SVG, credential))) == credential


def test_png_bake_keeps_every_other_chunk() -> None:
    other = _chunk(b"tEXt", b"Comment\0hello")
    baked = bake_png(_png(other), JWS)
    assert other in baked
    assert baked.startswith(_png(other)[: -len(_chunk(b"IEND", b""))])


def test_bake_into_a_real_world_svg_with_doctype_and_declared_namespace(reference: Path) -> None:
    sample = reference.joinpath(*SAMPLES, "simple-jwt.svg").read_bytes()
    start = sample.index(b"<openbadges:credential")
    end = sample.index(b"</openbadges:credential>") + len(b"</openbadges:credential>")
    plain = sample[:start] + sample[end:]
    baked = bake_svg(plain, JWS)
    assert unbake_svg(baked) == JWS
    assert baked.count(b"xmlns:openbadges") == 1
    assert baked.startswith(sample[: sample.index(b"<svg")])  # prolog and DOCTYPE untouched
