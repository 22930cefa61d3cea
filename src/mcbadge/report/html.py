"""Self-contained, printable HTML reports: one credential, a batch of files, a bundle.

Jinja2 with autoescaping on every template (a credential is hostile input: a name such as
``<script>`` is shown as text); the templates live beside this module (``templates/``), with
one base layout (``base.html``: ``lang``, ``title``, inline CSS with print styles, a Content
Security Policy that allows no script and no remote resource). A page has no script, loads
nothing, and reads top to bottom: the verdict in words first, then every failed check with its
message, then the summary and the full list of checks.

Another report (a stack rule's evaluation, say) gets its own template that extends
``base.html`` and fills ``{% block content %}``, rendered with :func:`render_page`; the
``_credential.html`` macros show a credential the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from mcbadge.report._view import Tally, credential_view, verdict_word
from mcbadge.verify.result import BundleResult, VerificationResult

if TYPE_CHECKING:
    import jinja2

    from mcbadge.licensure.decision import TrustDecision

__all__ = [
    "ReportItem",
    "render_batch_html",
    "render_bundle_html",
    "render_credential_html",
    "render_page",
]

_BUNDLE_NAMES = {"clr": "learner record (CLR 2.0)", "presentation": "verifiable presentation"}


@dataclass(frozen=True, slots=True)
class ReportItem:
    """One file of a batch: its result (``None`` when skipped, with ``skipped`` saying why),
    the trust decision for a credential's issuer, and for a bundle one per credential inside."""

    name: str
    result: VerificationResult | BundleResult | None = None
    trust: TrustDecision | None = None
    skipped: str | None = None
    nested_trust: Sequence[TrustDecision | None] = ()


@cache
def environment() -> jinja2.Environment:
    """The template environment: templates from this package, autoescaped, strict."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("mcbadge.report", "templates"),
        autoescape=True,  # every template, whatever its name: credential text is hostile
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _now_text(now: datetime | None) -> str:
    moment = now if now is not None else datetime.now(UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def render_page(
    template: str,
    *,
    title: str,
    now: datetime | None = None,
    nav: Sequence[tuple[str, str]] = (),
    **context: Any,
) -> str:
    """Render ``template`` (which extends ``base.html``) with ``title`` and ``context``.

    ``nav``: ``(href, text)`` links shown under the title (a page served by ``mcbadge serve``
    links back to its form); a report written to a file has none."""
    return (
        environment()
        .get_template(template)
        .render(title=title, generated=_now_text(now), nav=tuple(nav), **context)
    )


def _bundle_context(
    result: BundleResult, name: str, anchor: str, nested_trust: Sequence[TrustDecision | None]
) -> dict[str, Any]:
    what = _BUNDLE_NAMES.get(result.kind, result.kind)
    trusts = list(nested_trust) + [None] * (len(result.nested) - len(nested_trust))
    good = sum(1 for item in result.nested if item.result.verified)
    return {
        "name": name,
        "anchor": anchor,
        "what": what,
        "verdict": verdict_word(result),
        "sentence": (
            f"A {what}: its own checks are {verdict_word(result.outer)}; "
            f"{good} of {len(result.nested)} credentials inside verified."
        ),
        "failed_locations": [loc or "the outer record" for loc in result.failed_locations],
        "outer": credential_view(result.outer, heading="Outer record", anchor=f"{anchor}-outer"),
        "nested": [
            credential_view(
                item.result,
                heading=f"Credential {number} of {len(result.nested)} ({item.location})",
                anchor=f"{anchor}-n{number}",
                trust=trust,
            )
            for number, (item, trust) in enumerate(zip(result.nested, trusts, strict=True), 1)
        ],
    }


def render_credential_html(
    result: VerificationResult,
    *,
    name: str | None = None,
    trust: TrustDecision | None = None,
    now: datetime | None = None,
    nav: Sequence[tuple[str, str]] = (),
) -> str:
    """The report on one credential (``name``: the file it came from, if any)."""
    view = credential_view(result, heading="Credential", anchor="credential", trust=trust)
    title = f"Verification report: {name}" if name else "Verification report"
    return render_page("credential.html", title=title, now=now, nav=nav, name=name, credential=view)


def render_bundle_html(
    result: BundleResult,
    *,
    name: str | None = None,
    nested_trust: Sequence[TrustDecision | None] = (),
    now: datetime | None = None,
    nav: Sequence[tuple[str, str]] = (),
) -> str:
    """The report on a presentation or a CLR: the outer record, then every credential inside."""
    bundle = _bundle_context(result, name or "", "bundle", nested_trust)
    title = f"Verification report: {name}" if name else "Verification report"
    return render_page("bundle.html", title=title, now=now, nav=nav, name=name, bundle=bundle)


def render_batch_html(
    items: Sequence[ReportItem],
    *,
    title: str | None = None,
    now: datetime | None = None,
    nav: Sequence[tuple[str, str]] = (),
) -> str:
    """The report on many files: the tally, an overview table, then each file in full."""
    tally = Tally()
    rows: list[dict[str, Any]] = []
    for number, item in enumerate(items, 1):
        tally.add(item.result)
        anchor = f"f{number}"
        row: dict[str, Any] = {
            "name": item.name,
            "anchor": anchor,
            "skipped": item.skipped,
            "credential": None,
            "bundle": None,
        }
        if isinstance(item.result, BundleResult):
            row["bundle"] = _bundle_context(item.result, item.name, anchor, item.nested_trust)
            row["verdict"] = row["bundle"]["verdict"]
        elif isinstance(item.result, VerificationResult):
            row["credential"] = credential_view(
                item.result, heading=item.name, anchor=anchor, trust=item.trust
            )
            row["verdict"] = row["credential"]["verdict"]
        else:
            row["verdict"] = "SKIPPED"
        rows.append(row)
    if tally.not_verified:
        overall = "NOT VERIFIED"
    elif tally.indeterminate:
        overall = "INDETERMINATE"
    elif tally.verified:
        overall = "VERIFIED"
    else:
        overall = "NOTHING VERIFIED"
    return render_page(
        "batch.html",
        title=title or f"Verification report: {tally.total} files",
        now=now,
        nav=nav,
        rows=rows,
        tally=tally,
        overall=overall,
    )
