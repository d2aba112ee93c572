"""Form I-9 records as JSON: the nested shape of the model's dataclasses.

A form in JSON is the :class:`~immigrationos.worksite.model.I9Form` written field for
field: nested objects for the sections, lists for List A documents, preparers,
Supplement B blocks and corrections, dates as ISO ``YYYY-MM-DD`` (or the form's own
``MM/DD/YYYY``), enums by value. An omitted field takes its default. An unknown field, a
value of the wrong kind or an unknown enum value is an error naming the path
(``forms[3].section2.list_a[0].expiration``); a date that cannot be read is kept as
written in ``raw`` with a ``ParseIssue``, as the CSV and PDF readers do, so the rules
flag it and nothing is lost.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any

from immigrationos.worksite import model
from immigrationos.worksite.model import I9Form, ParseIssue


class FormJSONError(ValueError):
    """A JSON form that does not fit the model, with the path of the offending value."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def parse_date(text: str) -> date | None:
    """Return the date of ``YYYY-MM-DD`` or ``MM/DD/YYYY`` text, None when blank.

    Raises ValueError when the text is neither.
    """
    text = text.strip()
    if not text:
        return None
    if len(text) == 10 and text[4] == "-":
        return date.fromisoformat(text)
    if len(text) == 10 and text[2] == "/" and text[5] == "/":
        return datetime.strptime(text, "%m/%d/%Y").date()
    if len(text) == 8 and text.isdigit():  # the PDF's mmddyyyy boxes
        return datetime.strptime(text, "%m%d%Y").date()
    raise ValueError(f"not a date (YYYY-MM-DD or MM/DD/YYYY): {text!r}")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(model))


def _to_plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _to_plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name != "raw" or getattr(value, f.name)
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_plain(v) for k, v in value.items()}
    return value


def form_to_dict(form: I9Form) -> dict[str, Any]:
    """Return a form as plain JSON-ready data (the inverse of :func:`form_from_dict`)."""
    out: dict[str, Any] = _to_plain(form)
    return out


class _Reader:
    def __init__(self, form_path: str) -> None:
        self.form_path = form_path
        self.issues: list[ParseIssue] = []
        self.raw: dict[str, str] = {}

    def value(self, tp: Any, data: Any, path: str, field_path: str) -> Any:
        origin = typing.get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if data is None:
                return None
            return self.value(args[0], data, path, field_path)
        if origin is list:
            if not isinstance(data, list):
                raise FormJSONError(path, f"expected a list, got {type(data).__name__}")
            (item,) = typing.get_args(tp)
            return [
                self.value(item, v, f"{path}[{i}]", f"{field_path}[{i}]")
                for i, v in enumerate(data)
            ]
        if origin is dict:
            if not isinstance(data, dict):
                raise FormJSONError(path, "expected an object")
            return {str(k): str(v) for k, v in data.items()}
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            return self.dataclass(tp, data, path, field_path)
        if isinstance(tp, type) and issubclass(tp, Enum):
            try:
                return tp(data)
            except ValueError:
                allowed = ", ".join(str(m.value) for m in tp)
                raise FormJSONError(path, f"{data!r} is not one of {allowed}") from None
        if tp is date:
            if isinstance(data, date):
                return data
            if not isinstance(data, str):
                raise FormJSONError(path, "expected a date as text")
            try:
                return parse_date(data)
            except ValueError as exc:
                # Kept as written: the rules flag it; nothing is lost.
                self.raw[field_path] = data
                self.issues.append(ParseIssue(field=field_path, value=data, message=str(exc)))
                return None
        if tp is bool:
            if isinstance(data, bool):
                return data
            if isinstance(data, str) and data.strip().lower() in {
                "true",
                "yes",
                "1",
                "false",
                "no",
                "0",
                "",
            }:
                return data.strip().lower() in {"true", "yes", "1"}
            raise FormJSONError(path, f"expected true or false, got {data!r}")
        if tp is int:
            if isinstance(data, int) and not isinstance(data, bool):
                return data
            raise FormJSONError(path, f"expected a whole number, got {data!r}")
        if tp is str:
            if data is None:
                return ""
            if isinstance(data, (str, int)) and not isinstance(data, bool):
                return str(data)
            raise FormJSONError(path, f"expected text, got {type(data).__name__}")
        raise FormJSONError(path, f"unsupported type {tp!r}")  # pragma: no cover

    def dataclass(self, cls: type, data: Any, path: str, field_path: str) -> Any:
        if not isinstance(data, dict):
            raise FormJSONError(path, f"expected an object, got {type(data).__name__}")
        hints = _hints(cls)
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise FormJSONError(path, f"unknown field(s) {', '.join(unknown)}")
        kwargs = {}
        for name, value in data.items():
            sub = f"{field_path}.{name}" if field_path else name
            kwargs[name] = self.value(hints[name], value, f"{path}.{name}", sub)
        try:
            return cls(**kwargs)
        except TypeError as exc:  # a required field missing
            raise FormJSONError(path, str(exc)) from None


def form_from_dict(data: Any, *, source: str = "", path: str = "form") -> I9Form:
    """Return the form a JSON object describes; raise FormJSONError naming a bad value."""
    reader = _Reader(path)
    form = reader.dataclass(I9Form, data, path, "")
    if not isinstance(form, I9Form):  # pragma: no cover - dataclass() returns cls
        raise FormJSONError(path, "not a form")
    if source and not form.source:
        form.source = source
    form.parse_issues.extend(reader.issues)
    form.raw.update(reader.raw)
    return form


def dataclass_from_dict(cls: type, data: Any, *, path: str) -> Any:
    """Return any model dataclass (RosterEntry, Employer) from JSON data."""
    return _Reader(path).dataclass(cls, data, path, "")
