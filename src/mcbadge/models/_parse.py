"""Parsing JSON into models: pydantic errors become mcbadge ValidationErrors, plus the
domain rules the JSON Schema cannot express."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

import pydantic

from mcbadge.errors import ValidationError
from mcbadge.models._base import OBModel, as_list, parse_datetime
from mcbadge.models.clr import ClrCredential
from mcbadge.models.core import AchievementCredential, EndorsementCredential, _Credential

__all__ = ["check_domain_rules", "load_object", "parse_clr", "parse_credential", "validate_as"]

M = TypeVar("M", bound=OBModel)

_MODEL_NAMES = {
    cls.__name__
    for cls in (
        *OBModel.__subclasses__(),
        *_Credential.__subclasses__(),  # ClrCredential included: models.clr is imported above
    )
}


def load_object(data: Mapping[str, Any] | str | bytes) -> Mapping[str, Any]:
    """``data`` as a JSON object; text and bytes are decoded as JSON first."""
    if isinstance(data, str | bytes | bytearray):
        try:
            data = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise ValidationError(
                "the document is not valid JSON",
                code="data_model.not_json",
                errors=[{"loc": "(root)", "message": "not valid JSON"}],
            ) from exc
    if not isinstance(data, Mapping):
        raise ValidationError(
            "a credential must be a JSON object",
            code="data_model.not_object",
            errors=[{"loc": "(root)", "message": "must be a JSON object"}],
        )
    return data


def _loc(parts: tuple[int | str, ...]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in _MODEL_NAMES or "[" in part or part.startswith(("function-", "str", "dict")):
            continue  # pydantic's union-branch tags are not JSON names
        else:
            text += f".{part}" if text else part
    return text or "(root)"


def _from_pydantic(exc: pydantic.ValidationError) -> ValidationError:
    seen: set[tuple[str, str]] = set()
    errors: list[dict[str, str]] = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        message = str(error["msg"]).removeprefix("Value error, ")
        key = (_loc(tuple(error["loc"])), message)
        if key not in seen:
            seen.add(key)
            errors.append({"loc": key[0], "message": message})
    # A "one value or an array" field reports both union branches; keep the array branch's
    # precise error and drop the generic one on the field itself.
    errors = [
        e
        for e in errors
        if not (
            e["message"].startswith("Input should be a valid dictionary or instance of")
            and any(o["loc"].startswith(e["loc"] + "[") for o in errors)
        )
    ] or errors
    first = errors[0] if errors else {"loc": "(root)", "message": "invalid"}
    return ValidationError(
        f"the document does not follow the Open Badges 3.0 data model "
        f"({first['loc']}: {first['message']})",
        code="data_model.invalid",
        errors=errors[:50],
    )


def validate_as(model: type[M], data: Mapping[str, Any]) -> M:
    """Validate ``data`` as ``model``; errors are :class:`ValidationError` with JSON locations."""
    try:
        parsed = model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise _from_pydantic(exc) from None
    except RecursionError:
        raise ValidationError(
            "the document is nested too deeply",
            code="data_model.too_deep",
            errors=[{"loc": "(root)", "message": "nested too deeply"}],
        ) from None
    if isinstance(parsed, _Credential):
        check_domain_rules(parsed)
    return parsed


def parse_credential(
    data: Mapping[str, Any] | str | bytes,
) -> AchievementCredential | EndorsementCredential:
    """Parse an OpenBadgeCredential / AchievementCredential or an EndorsementCredential.

    ``data`` is a JSON object or its text. The kind is chosen by ``type``. The model keeps
    the input object (not copied; do not mutate it afterwards) and ``to_json()`` returns an
    equal JSON value. Raises :class:`mcbadge.errors.ValidationError` whose ``errors`` are
    ``{"loc": "credentialSubject.result[0].status", "message": ...}`` (JSON names).
    """
    document = load_object(data)
    types = as_list(document.get("type"))
    if "EndorsementCredential" in types:
        return validate_as(EndorsementCredential, document)
    return validate_as(AchievementCredential, document)


def parse_clr(data: Mapping[str, Any] | str | bytes) -> ClrCredential:
    """Parse a CLR 2.0 ClrCredential (see :func:`parse_credential`; same errors).

    The nested credentials are kept exactly as they arrived and are not modelled here: each
    one is its own credential, verified on its own (:func:`mcbadge.verify_clr`).
    """
    return validate_as(ClrCredential, load_object(data))


def _fail(code: str, loc: str, message: str) -> ValidationError:
    return ValidationError(message, code=code, errors=[{"loc": loc, "message": message}])


def check_domain_rules(credential: _Credential) -> None:
    """Rules of OB 3.0 / VCDM that the JSON Schema cannot state; raises ValidationError."""
    _check_dates(credential)
    if isinstance(credential, AchievementCredential):
        _check_subject(credential)


def _check_dates(credential: _Credential) -> None:
    v1 = credential.vcdm_version == "1.1"
    start_name, end_name = ("issuanceDate", "expirationDate") if v1 else ("validFrom", "validUntil")
    start_text = credential.issuance_date if v1 else credential.valid_from
    end_text = credential.expiration_date if v1 else credential.valid_until
    if start_text is None:
        raise _fail(f"data_model.missing_{start_name}", start_name, f"{start_name} is required")
    parsed = {}
    for name, text in (
        (start_name, start_text),
        (end_name, end_text),
        ("awardedDate", credential.awarded_date),
    ):
        if text is None:
            continue
        try:
            parsed[name] = parse_datetime(text, require_timezone=True)
        except ValueError as exc:
            raise _fail("data_model.bad_datetime", name, f"{name} {exc}") from None
    if end_name in parsed and parsed[end_name] < parsed[start_name]:
        raise _fail(
            "data_model.validity_reversed", end_name, f"{end_name} must not be before {start_name}"
        )


def _check_subject(credential: AchievementCredential) -> None:
    subject = credential.credential_subject
    if subject.id is None and not subject.identifiers:
        raise _fail(
            "data_model.missing_subject_id",
            "credentialSubject",
            "the recipient needs an id or at least one identifier",
        )
    descriptions = {d.id: d for d in subject.achievement.result_descriptions}
    for index, result in enumerate(subject.results):
        where = f"credentialSubject.result[{index}]"
        description = None
        if result.result_description is not None:
            description = descriptions.get(result.result_description)
            if description is None:
                raise _fail(
                    "data_model.unknown_result_description",
                    f"{where}.resultDescription",
                    "the result points at a result description the achievement does not define",
                )
        if result.achieved_level is not None:
            # Any level the achievement defines (1EdTech's own complete example points a
            # result at a level of a sibling ResultDescription).
            levels = {level.id for d in descriptions.values() for level in d.levels}
            if result.achieved_level not in levels:
                raise _fail(
                    "data_model.unknown_achieved_level",
                    f"{where}.achievedLevel",
                    "the achieved level is not a rubric level the achievement defines",
                )
        if description is not None and description.result_type == "Status" and not result.status:
            raise _fail(
                "data_model.missing_result_status",
                f"{where}.status",
                "a result for a Status result description needs a status",
            )
