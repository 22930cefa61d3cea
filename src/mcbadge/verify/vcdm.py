"""The W3C Verifiable Credentials Data Model 2.0 rules on a credential's optional members.

The Open Badges 3.0 JSON Schema checks these members of an OpenBadgeCredential; a plain W3C
credential (the VC API's kind ``"vc"``) has no such schema, so the rules are spelled out here:

* ``credentialSchema`` (VCDM 2.0 §4.11): each entry an object with a ``type`` and an ``id`` URL;
* ``credentialStatus`` (§4.10): each entry an object with a ``type``; an ``id``, if present, a
  single URL;
* ``refreshService`` (§5.4), ``termsOfUse`` (§5.5), ``evidence`` (§5.6): each entry an object
  with a ``type``;
* ``relatedResource`` (§5.3): each entry an object with an ``id`` URL, unique among the entries,
  and a ``digestSRI`` or ``digestMultibase``.

:func:`member_problems` returns one sentence per broken rule (empty when all hold). Whether a
digest matches the resource is not checked here: that needs the resource.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["is_url", "member_problems"]

# RFC 3986: a scheme, a colon, and no white space (JSON-LD treats anything else as a term).
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+")


def is_url(value: Any) -> bool:
    """A string that is an absolute URL (``https:``, ``did:``, ``urn:``, ...)."""
    return isinstance(value, str) and _URL.fullmatch(value) is not None


def _entries(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _has_type(entry: Mapping[str, Any]) -> bool:
    kind = entry.get("type")
    if isinstance(kind, str):
        return bool(kind)
    return (
        isinstance(kind, list)
        and bool(kind)
        and all(isinstance(name, str) and name for name in kind)
    )


def _typed_objects(credential: Mapping[str, Any], member: str) -> list[str]:
    problems = []
    for entry in _entries(credential[member]):
        if not isinstance(entry, dict):
            problems.append(f"each {member} must be an object")
        elif not _has_type(entry):
            problems.append(f"each {member} must have a type")
    return problems


def _schemas(credential: Mapping[str, Any]) -> list[str]:
    problems = _typed_objects(credential, "credentialSchema")
    for entry in _entries(credential["credentialSchema"]):
        if isinstance(entry, dict) and not is_url(entry.get("id")):
            problems.append("each credentialSchema must have an id that is a URL")
    return problems


def _statuses(credential: Mapping[str, Any]) -> list[str]:
    problems = _typed_objects(credential, "credentialStatus")
    for entry in _entries(credential["credentialStatus"]):
        if isinstance(entry, dict) and "id" in entry and not is_url(entry["id"]):
            problems.append("a credentialStatus id must be a single URL")
    return problems


def _related(credential: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for entry in _entries(credential["relatedResource"]):
        if not isinstance(entry, dict):
            problems.append("each relatedResource must be an object")
            continue
        identifier = entry.get("id")
        if not isinstance(identifier, str) or not is_url(identifier):
            problems.append("each relatedResource must have an id that is a URL")
        elif identifier in seen:
            problems.append(f"relatedResource {identifier} is listed twice")
        else:
            seen.add(identifier)
        if "digestSRI" not in entry and "digestMultibase" not in entry:
            problems.append("each relatedResource must have a digestSRI or a digestMultibase")
    return problems


_RULES = {
    "credentialSchema": _schemas,
    "credentialStatus": _statuses,
    "refreshService": lambda credential: _typed_objects(credential, "refreshService"),
    "termsOfUse": lambda credential: _typed_objects(credential, "termsOfUse"),
    "evidence": lambda credential: _typed_objects(credential, "evidence"),
    "relatedResource": _related,
}


def member_problems(credential: Mapping[str, Any]) -> list[str]:
    """One sentence per VCDM 2.0 rule the credential's optional members break."""
    problems: list[str] = []
    for member, rule in _RULES.items():
        if member in credential:
            for problem in rule(credential):
                if problem not in problems:
                    problems.append(problem)
    return problems
