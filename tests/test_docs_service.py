"""docs/service.md runs top to bottom, as a newcomer pastes it: every ```sh block in order in
one empty folder; a ```sh serve block is the service started in a terminal of its own (the
test starts it in the background, waits for its "listening on" line, and stops it with
SIGTERM, the way Ctrl-C would, when the next one starts or at the end: exit 0 each time);
the ```text output / ```json output block after a block is what it prints, checked line by
line (a line with "…" in it: its other parts appear, in order, in one printed line;
indentation and a trailing comma do not count); every
```toml block is a configuration `mcbadge serve --config` accepts.

The page says port 8080; the test uses a free loopback port instead (the same text with that
number), so that it never meets another service on this machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.integration.serve_process import ServeProcess
from tests.integration.service_helpers import free_port

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "service.md"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
PAGE_PORT = "8080"


@dataclass(frozen=True)
class Block:
    language: str
    flags: tuple[str, ...]
    line: int
    code: str


def page_blocks(markdown: str) -> list[Block]:
    """Every fenced block with its language and info-string flags, in document order."""
    return [
        Block(
            match.group(1),
            tuple(match.group(2).split()),
            markdown.count("\n", 0, match.start()) + 2,
            match.group(3),
        )
        for match in FENCE.finditer(markdown)
    ]


def expected_lines_missing(expected: str, printed: str) -> list[str]:
    """The lines of ``expected`` that ``printed`` does not show (see the module docstring)."""
    lines = [_plain(line) for line in printed.splitlines()]
    missing = []
    for want in (_plain(line) for line in expected.splitlines()):
        if not want:
            continue
        if "…" not in want:
            if want not in lines:
                missing.append(want)
            continue
        parts = [part for part in want.split("…") if part]
        if not any(_in_order(parts, line) for line in lines):
            missing.append(want)
    return missing


def _plain(line: str) -> str:
    """A line without its indentation and a JSON separator at its end (the page may shorten
    an object, so which member is last differs)."""
    return line.strip().removesuffix(",")


def _in_order(parts: list[str], line: str) -> bool:
    position = 0
    for part in parts:
        found = line.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True


def test_expected_output_matching() -> None:
    printed = '{\n  "verified": true,\n  "id": "urn:uuid:1234"\n}\nissuer did:key:z6Mkabc (key x)\n'
    assert expected_lines_missing('"verified": true,\n"id": "urn:uuid:…"', printed) == []
    assert expected_lines_missing("issuer did:key:z6Mk… (key x)", printed) == []
    assert expected_lines_missing('"verified": true', printed) == []
    assert expected_lines_missing('"verified": false,', printed) == ['"verified": false']
    assert expected_lines_missing("(key x)… did:key", printed) == ["(key x)… did:key"]


def _runnable(blocks: list[Block]) -> list[tuple[Block, Block | None]]:
    """Each runnable sh block with the output block that follows it (if any)."""
    pairs: list[tuple[Block, Block | None]] = []
    for number, block in enumerate(blocks):
        if block.language != "sh" or "no-run" in block.flags:
            continue
        following = blocks[number + 1] if number + 1 < len(blocks) else None
        output = following if following is not None and "output" in following.flags else None
        pairs.append((block, output))
    return pairs


def test_every_curl_example_shows_its_output() -> None:
    """A curl line with no output under it would be checked for its exit status only."""
    pairs = _runnable(page_blocks(PAGE.read_text("utf-8")))
    assert sum(1 for block, _ in pairs if "serve" in block.flags) >= 1
    unchecked = [block.line for block, output in pairs if "curl" in block.code and not output]
    assert unchecked == [], f"docs/service.md: curl blocks without output at lines {unchecked}"


def test_configuration_examples_are_accepted() -> None:
    from mcbadge.server.config import from_mapping

    tomls = [block for block in page_blocks(PAGE.read_text("utf-8")) if block.language == "toml"]
    assert tomls, "docs/service.md lost its configuration reference"
    for block in tomls:
        from_mapping(tomllib.loads(block.code)).check()


@pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("jq") is None,
    reason="docs/service.md's examples use curl and jq, which this machine does not have",
)
def test_service_page_runs_top_to_bottom(tmp_path: Path) -> None:
    port = str(free_port())
    work = tmp_path / "work"
    work.mkdir()
    bindir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
        "XDG_DATA_HOME": str(tmp_path / "user-data"),
    }
    served: ServeProcess | None = None
    serve_output: tuple[str, Block | None] = ("", None)

    def stop_the_service() -> None:
        """SIGTERM (what Ctrl-C in its terminal does too): exit 0; then what it printed in
        its terminal, standard error included, is checked against the page."""
        assert served is not None
        where, output = serve_output
        assert served.stop() == 0, f"{where}: {served.stderr}"
        assert served.lines[-1].startswith("stopped: "), where
        if output is not None:
            printed = "\n".join(served.lines) + "\n" + served.stderr
            missing = expected_lines_missing(output.code.replace(PAGE_PORT, port), printed)
            assert missing == [], f"{where}: not printed: {missing}\n{printed}"

    try:
        for block, output in _runnable(page_blocks(PAGE.read_text("utf-8"))):
            code = block.code.replace(PAGE_PORT, port)
            where = f"docs/service.md:{block.line}"
            if "serve" in block.flags:
                if served is not None:
                    stop_the_service()
                served = ServeProcess(["bash", "-euo", "pipefail", "-c", code], cwd=work, env=env)
                served.url()
                serve_output = (where, output)
                continue
            shell = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", code],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert shell.returncode == 0, f"{where}\n{shell.stdout}\n{shell.stderr}"
            if output is not None:
                printed = shell.stdout + shell.stderr
                missing = expected_lines_missing(output.code.replace(PAGE_PORT, port), printed)
                assert missing == [], f"{where}: not printed: {missing}\n{printed}"
        assert served is not None, "docs/service.md never starts the service"
        stop_the_service()
    finally:
        if served is not None and served.process.poll() is None:
            served.stop()


def test_readme_service_commands_are_the_pages() -> None:
    """README.md's "Run the service" block is not run there (mcbadge serve does not return);
    each of its lines is a line of a block this test runs."""
    readme = (ROOT / "README.md").read_text("utf-8").split("## Run the service", 1)[1]
    block = page_blocks(readme)[0]
    assert block.language == "sh"
    runnable = [b for b, _ in _runnable(page_blocks(PAGE.read_text("utf-8")))]
    ran = {line.strip() for b in runnable for line in b.code.splitlines()}
    commands = [line.strip() for line in block.code.splitlines() if line.strip()]
    assert len(commands) == 3
    assert [line for line in commands if line not in ran] == []
