"""Multipart uploads of Forms I-9: the parts of a request, checked, and the files on disk.

The API's ``POST /worksite/audits`` and the auditors' upload page take the same parts:
``files`` (CSV/JSON records, filled PDFs), optional ``roster`` and ``employer`` files,
``mode``, ``policy`` and ``audit_date``. Each file is written by its base name into a
temporary folder and read there by the same readers as the command line; a bad file, row
or field is a 400 that names it, and nothing is audited or kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from fastapi import UploadFile
from starlette.datastructures import UploadFile as StarletteUpload

from immigrationos.worksite import flows
from immigrationos.worksite.flows import WorksiteError
from immigrationos.worksite.model import Mode

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
_SUFFIXES = (".csv", ".json", ".pdf")
AUDIT_UPLOAD_SCHEMA: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["files"],
                "additionalProperties": False,
                "properties": {
                    "files": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "description": "CSV or JSON records and/or filled PDF forms.",
                    },
                    "roster": {
                        "type": "string",
                        "format": "binary",
                        "description": "The employer's roster (CSV).",
                    },
                    "employer": {
                        "type": "string",
                        "format": "binary",
                        "description": "The employer (JSON or YAML).",
                    },
                    "mode": {"type": "string", "enum": ["self", "inspection"]},
                    "policy": {"type": "string", "maxLength": 40},
                    "audit_date": {"type": "string", "format": "date"},
                },
            }
        }
    },
}


@dataclass
class AuditUpload:
    """What a multipart audit request carries, checked."""

    files: list[UploadFile]
    roster: UploadFile | None
    employer: UploadFile | None
    mode: Mode
    policy: str
    audit_date: dt.date


def upload_of(form: Any) -> AuditUpload:
    """Return the upload's parts; refuse (400) a part that is not what it must be."""
    unknown = sorted(set(form.keys()) - {"files", "roster", "employer", "mode", "policy",
                                         "audit_date"})  # fmt: skip
    if unknown:
        raise WorksiteError(400, "input-invalid", f"unknown part(s): {', '.join(unknown)}")
    files = form.getlist("files")
    if not files or not all(isinstance(f, StarletteUpload) for f in files):
        raise WorksiteError(
            400, "input-invalid", "send the forms as files (multipart part 'files')"
        )

    def one_file(name: str) -> UploadFile | None:
        value = form.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, StarletteUpload):
            raise WorksiteError(400, "input-invalid", f"part {name!r} must be a file")
        return value  # type: ignore[return-value]

    def text(name: str, default: str) -> str:
        value = form.get(name)
        if value is None:
            return default
        if not isinstance(value, str):
            raise WorksiteError(400, "input-invalid", f"part {name!r} must be text")
        return value.strip()

    mode = text("mode", "self")
    if mode not in ("self", "inspection"):
        raise WorksiteError(400, "input-invalid", f"mode {mode!r}: self or inspection")
    day = text("audit_date", "")
    try:
        audit_date = dt.date.fromisoformat(day) if day else dt.datetime.now(dt.UTC).date()
    except ValueError as exc:
        raise WorksiteError(
            400, "input-invalid", f"audit_date {day!r} is not a date written YYYY-MM-DD"
        ) from exc
    return AuditUpload(
        files=files,
        roster=one_file("roster"),
        employer=one_file("employer"),
        mode=Mode(mode),
        policy=text("policy", "longstanding")[:40] or "longstanding",
        audit_date=audit_date,
    )


def save(upload: UploadFile, folder: Path, budget: list[int]) -> Path:
    """Write one upload under ``folder`` by its base name; refuse odd names and sizes."""
    name = PurePath((upload.filename or "").replace("\\", "/")).name
    if not name or name.startswith(".") or Path(name).suffix.lower() not in _SUFFIXES:
        raise WorksiteError(
            400,
            "file-refused",
            f"file {upload.filename!r}: send CSV or JSON records, or filled PDF forms "
            "(.csv, .json, .pdf)",
        )
    target = folder / name
    if target.exists():
        raise WorksiteError(400, "file-refused", f"file {name!r} was sent twice")
    with target.open("wb") as out:
        while chunk := upload.file.read(1 << 20):
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise WorksiteError(
                    413, "upload-too-large", f"the upload exceeds {MAX_UPLOAD_BYTES} bytes"
                )
            out.write(chunk)
    return target


def inputs_of(
    files: list[UploadFile], roster: UploadFile | None, employer: UploadFile | None, tmp: Path
) -> flows.AuditInputs:
    forms_dir = tmp / "forms"
    forms_dir.mkdir()
    budget = [MAX_UPLOAD_BYTES]
    for upload in files:
        save(upload, forms_dir, budget)
    roster_path = save(roster, tmp, budget) if roster is not None and roster.filename else None
    employer_path = (
        save(employer, tmp, budget) if employer is not None and employer.filename else None
    )
    inputs = flows.read_inputs(forms_dir, roster=roster_path, employer=employer_path)
    if inputs.errors:
        shown = "; ".join(str(e) for e in inputs.errors[:5])
        more = f" (and {len(inputs.errors) - 5} more)" if len(inputs.errors) > 5 else ""
        raise WorksiteError(
            400,
            "input-invalid",
            f"{len(inputs.errors)} input error(s): {shown}{more}; nothing audited",
        )
    if not inputs.forms:
        raise WorksiteError(400, "input-invalid", "the files hold no Form I-9 record")
    return inputs
