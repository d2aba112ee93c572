"""Form I-9 records as CSV (one row per form), rosters, employers, and whole directories.

The CSV schema (every column, the form field it holds and the PDF field it comes from)
is documented in ``docs/worksite-schema.md``; :data:`FORM_COLUMNS` is its order. Dates
are written ``MM/DD/YYYY`` (the form's own) and read as that, ISO ``YYYY-MM-DD`` or the
PDF's ``mmddyyyy``. A date that is none of these is not an error: it is kept as written
in ``form.raw`` with a :class:`~immigrationos.worksite.model.ParseIssue` and the date is
left blank, so the rules flag it. A structural problem (a missing or unknown column, a
row with the wrong number of cells, a value that is not one of its column's values) is
an :class:`InputError` naming the file, row and column.

Reading is one pass of the ``csv`` module with each column's position looked up once per
file, and dates parsed once per distinct text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Any, TextIO

import yaml

from immigrationos.worksite import io_json, pdf_form
from immigrationos.worksite.bulk import gc_paused
from immigrationos.worksite.model import (
    Document,
    DocumentList,
    Employer,
    I9Form,
    ParseIssue,
    Preparer,
    Reverification,
    RosterEntry,
    Section1,
    Section2,
    Status,
)

PREPARER_SLOTS = 4  # Supplement A of the 08/01/23 edition has four
SUPB_SLOTS = 3  # Supplement B has three blocks per page

FORM_HEAD = (
    "form_id",
    "employee_id",
    "edition",
    "language",
    "preparer_used",
    "copies_retained",
    "everify_case",
)
S1_TEXT = (
    "last_name",
    "first_name",
    "middle_initial",
    "other_last_names",
    "address",
    "apt",
    "city",
    "state",
    "zip_code",
)
S1_TEXT2 = ("ssn", "email", "phone")
S1_NUMBERS = ("lpr_uscis_number",)
S1_ALIEN = ("alien_uscis_number", "i94_number", "foreign_passport")
S1_COLUMNS = (
    *(f"s1_{c}" for c in S1_TEXT),
    "s1_date_of_birth",
    *(f"s1_{c}" for c in S1_TEXT2),
    "s1_status",
    "s1_lpr_uscis_number",
    "s1_authorization_expiration",
    *(f"s1_{c}" for c in S1_ALIEN),
    "s1_signed",
    "s1_date_signed",
)
DOC_PARTS = ("title", "issuer", "number", "expiration", "receipt")
DOC_PREFIXES = ("s2_a1", "s2_a2", "s2_a3", "s2_b", "s2_c")
S2_TAIL = (
    "s2_additional_information",
    "s2_alternative_procedure",
    "s2_first_day_of_employment",
    "s2_representative_last_name",
    "s2_representative_first_name",
    "s2_representative_title",
    "s2_signed",
    "s2_date_signed",
    "s2_business_name",
    "s2_business_address",
)
PREPARER_PARTS = (
    "last_name",
    "first_name",
    "middle_initial",
    "address",
    "city",
    "state",
    "zip_code",
    "signed",
    "date_signed",
)
SUPB_PARTS = (
    "rehire_date",
    "last_name",
    "first_name",
    "middle_initial",
    "doc_list",
    "doc_title",
    "doc_issuer",
    "doc_number",
    "doc_expiration",
    "doc_receipt",
    "employer_name",
    "signed",
    "date_signed",
    "additional_information",
    "alternative_procedure",
)
FORM_COLUMNS: tuple[str, ...] = (
    *FORM_HEAD,
    *S1_COLUMNS,
    *(f"{p}_{part}" for p in DOC_PREFIXES for part in DOC_PARTS),
    *S2_TAIL,
    *(f"supa_{i}_{part}" for i in range(1, PREPARER_SLOTS + 1) for part in PREPARER_PARTS),
    *(f"supb_{i}_{part}" for i in range(1, SUPB_SLOTS + 1) for part in SUPB_PARTS),
    "corrections",
)
REQUIRED_FORM_COLUMNS = ("form_id",)
ROSTER_COLUMNS = (
    "employee_id",
    "last_name",
    "first_name",
    "date_of_birth",
    "hire_date",
    "termination_date",
)
REQUIRED_ROSTER_COLUMNS = ("employee_id", "hire_date")

_TRUE = {"y", "yes", "true", "1", "x"}
_FALSE = {"", "n", "no", "false", "0"}
_NO_DATE = {"", "N/A", "NA", "D/S", "DS", "NONE"}
_STATUS_ALIASES = {
    **{s.value: s for s in Status},
    "1": Status.CITIZEN,
    "2": Status.NONCITIZEN_NATIONAL,
    "3": Status.PERMANENT_RESIDENT,
    "4": Status.AUTHORIZED_ALIEN,
}


@dataclass
class InputError(ValueError):
    """A structural problem of an input file, naming the file, row and column."""

    file: str
    message: str
    row: int | None = None  # spreadsheet numbering: the header is row 1
    column: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


# ---------------------------------------------------------------- writing


def _fmt_date(d: date | None) -> str:
    return d.strftime("%m/%d/%Y") if d is not None else ""


def _flag(b: bool) -> str:
    return "Y" if b else ""


def _doc_cells(doc: Document | None) -> list[str]:
    if doc is None:
        return ["", "", "", "", ""]
    exp = _fmt_date(doc.expiration) if doc.expiration is not None else doc.expiration_raw
    return [doc.title, doc.issuing_authority, doc.number, exp, _flag(doc.is_receipt)]


def form_to_row(form: I9Form) -> list[str]:
    """Return a form as one CSV row in :data:`FORM_COLUMNS` order."""
    s1, s2 = form.section1, form.section2
    auth_exp = (
        _fmt_date(s1.authorization_expiration)
        if s1.authorization_expiration is not None
        else s1.authorization_expiration_raw
    )
    row = [
        form.form_id,
        form.employee_id,
        form.edition,
        form.language,
        _flag(form.preparer_used),
        _flag(form.copies_retained),
        form.everify_case,
        *(getattr(s1, c) for c in S1_TEXT),
        _fmt_date(s1.date_of_birth),
        *(getattr(s1, c) for c in S1_TEXT2),
        "|".join(s.value for s in s1.status_boxes),
        s1.lpr_uscis_number,
        auth_exp,
        *(getattr(s1, c) for c in S1_ALIEN),
        _flag(s1.signed),
        _fmt_date(s1.date_signed),
    ]
    for i in range(3):
        row.extend(_doc_cells(s2.list_a[i] if i < len(s2.list_a) else None))
    row.extend(_doc_cells(s2.list_b))
    row.extend(_doc_cells(s2.list_c))
    row.extend(
        [
            s2.additional_information,
            _flag(s2.alternative_procedure),
            _fmt_date(s2.first_day_of_employment),
            s2.representative_last_name,
            s2.representative_first_name,
            s2.representative_title,
            _flag(s2.signed),
            _fmt_date(s2.date_signed),
            s2.business_name,
            s2.business_address,
        ]
    )
    for i in range(PREPARER_SLOTS):
        if i < len(form.preparers):
            p = form.preparers[i]
            row.extend(
                [
                    p.last_name,
                    p.first_name,
                    p.middle_initial,
                    p.address,
                    p.city,
                    p.state,
                    p.zip_code,
                    _flag(p.signed),
                    _fmt_date(p.date_signed),
                ]
            )
        else:
            row.extend([""] * len(PREPARER_PARTS))
    for i in range(SUPB_SLOTS):
        if i < len(form.supplement_b):
            b = form.supplement_b[i]
            d = b.document
            row.extend(
                [
                    _fmt_date(b.rehire_date),
                    b.last_name,
                    b.first_name,
                    b.middle_initial,
                    d.list.value if d is not None else "",
                    *_doc_cells(d),
                    b.employer_name,
                    _flag(b.signed),
                    _fmt_date(b.date_signed),
                    b.additional_information,
                    _flag(b.alternative_procedure),
                ]
            )
        else:
            row.extend([""] * len(SUPB_PARTS))
    if form.corrections:
        trail = io_json.form_to_dict(I9Form(form_id=form.form_id, corrections=form.corrections))
        row.append(json.dumps(trail["corrections"], separators=(",", ":")))
    else:
        row.append("")
    return row


def check_csv_representable(form: I9Form) -> list[str]:
    """Return what the CSV schema cannot hold of a form (empty when it holds it all)."""
    out = []
    if len(form.section2.list_a) > 3:
        out.append("more than three List A documents")
    if len(form.preparers) > PREPARER_SLOTS:
        out.append("more than four preparers")
    if len(form.supplement_b) > SUPB_SLOTS:
        out.append("more than three Supplement B blocks")
    return out


def write_forms_csv(forms: Iterable[I9Form], out: Path | str | TextIO) -> None:
    """Write forms as CSV with the :data:`FORM_COLUMNS` header."""
    with _open_out(out) as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(FORM_COLUMNS)
        for form in forms:
            lost = check_csv_representable(form)
            if lost:
                raise ValueError(f"form {form.form_id}: the CSV cannot hold {', '.join(lost)}")
            w.writerow(form_to_row(form))


def write_roster_csv(roster: Iterable[RosterEntry], out: Path | str | TextIO) -> None:
    """Write a roster as CSV (``employee_id,last_name,first_name,date_of_birth,...``)."""
    with _open_out(out) as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(ROSTER_COLUMNS)
        for e in roster:
            w.writerow(
                [
                    e.employee_id,
                    e.last_name,
                    e.first_name,
                    _fmt_date(e.date_of_birth),
                    _fmt_date(e.hire_date),
                    _fmt_date(e.termination_date),
                ]
            )


class _open_out:
    def __init__(self, out: Path | str | TextIO) -> None:
        self.out = out
        self.fh: TextIO | None = None

    def __enter__(self) -> TextIO:
        if isinstance(self.out, (str, Path)):
            self.fh = open(self.out, "w", newline="", encoding="utf-8")
            return self.fh
        return self.out

    def __exit__(self, *exc: object) -> None:
        if self.fh is not None:
            self.fh.close()


# ---------------------------------------------------------------- reading


@dataclass(slots=True)
class _RowContext:
    """One row being read: where it came from, and what it could not parse."""

    file: str
    row_no: int
    issues: list[ParseIssue] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)


_FLAGS: dict[str, bool] = {
    v: True for v in ("Y", "y", "YES", "Yes", "yes", "TRUE", "True", "true", "1", "X", "x")
}
_FLAGS.update({v: False for v in ("", "N", "n", "NO", "No", "no", "FALSE", "False", "false", "0")})
_MISSING = object()

S1_PLAIN = (*S1_TEXT, *S1_TEXT2, "lpr_uscis_number", *S1_ALIEN)
S2_PLAIN = (
    "additional_information",
    "representative_last_name",
    "representative_first_name",
    "representative_title",
    "business_name",
    "business_address",
)
PREPARER_PLAIN = (
    "last_name",
    "first_name",
    "middle_initial",
    "address",
    "city",
    "state",
    "zip_code",
)
SUPB_PLAIN = (
    "last_name",
    "first_name",
    "middle_initial",
    "employer_name",
    "additional_information",
)


def _parse_date(text: str) -> date | None:
    """Return the date of MM/DD/YYYY text directly (strptime is slow), else io_json's."""
    if len(text) == 10 and text[2] == "/" and text[5] == "/":
        m, d, y = text[:2], text[3:5], text[6:]
        if m.isdigit() and d.isdigit() and y.isdigit():
            try:
                return date(int(y), int(m), int(d))
            except ValueError:
                pass  # io_json says why, in its words
    return io_json.parse_date(text)


class _FormRowReader:
    """Turns rows of one file into forms, with column positions looked up once per file.

    Every row is stripped once and given one extra blank cell; a column the file lacks
    points at that cell, so each value is one list index, with no lookups per cell.
    """

    def __init__(self, header: list[str], file: str) -> None:
        self.file = file
        header = [h.strip() for h in header]
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        seen: set[str] = set()
        known = set(FORM_COLUMNS)
        for h in header:
            if h in seen:
                raise InputError(file, "column appears twice", row=1, column=h)
            if h not in known:
                raise InputError(file, "unknown column", row=1, column=h)
            seen.add(h)
        for req in REQUIRED_FORM_COLUMNS:
            if req not in seen:
                raise InputError(file, "missing required column", row=1, column=req)
        self.width = len(header)
        pos = {h: i for i, h in enumerate(header)}
        blank = len(header)  # the extra cell appended to every row
        self.ix = {c: pos.get(c, blank) for c in FORM_COLUMNS}
        ix = self.ix
        self.s1_plain = tuple((a, ix[f"s1_{a}"]) for a in S1_PLAIN)
        self.s2_plain = tuple((a, ix[f"s2_{a}"]) for a in S2_PLAIN)
        self._dates: dict[str, date | None] = {"": None}

        def group(prefix: str, parts: tuple[str, ...]) -> Callable[[list[str]], tuple[str, ...]]:
            # The cells of a group at once (in C); the blank cell twice keeps it a tuple.
            idxs = [i for i in (ix[f"{prefix}_{p}"] for p in parts) if i != blank]
            return itemgetter(blank, blank, *idxs)

        self.doc_groups = {p: group(p, DOC_PARTS) for p in DOC_PREFIXES}
        self.supa_groups = [
            group(f"supa_{i}", PREPARER_PARTS) for i in range(1, PREPARER_SLOTS + 1)
        ]
        self.supb_groups = [group(f"supb_{i}", SUPB_PARTS) for i in range(1, SUPB_SLOTS + 1)]

    def day(self, text: str, path: str, ctx: _RowContext) -> date | None:
        d = self._dates.get(text, _MISSING)
        if d is not _MISSING:
            return d  # type: ignore[return-value]
        try:
            d = _parse_date(text)
        except ValueError as exc:
            ctx.raw[path] = text
            ctx.issues.append(ParseIssue(field=path, value=text, message=str(exc)))
            return None
        self._dates[text] = d
        return d

    def expiration(self, text: str, path: str, ctx: _RowContext) -> tuple[date | None, str]:
        if text.upper() in _NO_DATE:
            return None, text
        d = self.day(text, path, ctx)
        return (d, "") if d is not None else (None, text)

    def flag(self, r: list[str], column: str, ctx: _RowContext) -> bool:
        text = r[self.ix[column]]
        value = _FLAGS.get(text)
        if value is not None:
            return value
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise InputError(self.file, f"{text!r} is not Y or blank", row=ctx.row_no, column=column)

    def document(
        self, r: list[str], prefix: str, lst: DocumentList, path: str, ctx: _RowContext
    ) -> Document | None:
        if not any(self.doc_groups[prefix](r)):
            return None
        ix = self.ix
        receipt = self.flag(r, f"{prefix}_receipt", ctx)
        exp, exp_raw = self.expiration(r[ix[f"{prefix}_expiration"]], f"{path}.expiration", ctx)
        return Document(
            list=lst,
            title=r[ix[f"{prefix}_title"]],
            issuing_authority=r[ix[f"{prefix}_issuer"]],
            number=r[ix[f"{prefix}_number"]],
            expiration=exp,
            expiration_raw=exp_raw,
            is_receipt=receipt,
        )

    def form(self, row: list[str], source: str, row_no: int) -> I9Form:
        if len(row) != self.width:
            raise InputError(
                self.file, f"expected {self.width} cells, found {len(row)}", row=row_no
            )
        r = list(map(str.strip, row))
        r.append("")
        ix = self.ix
        ctx = _RowContext(self.file, row_no)
        form_id = r[ix["form_id"]]
        if not form_id:
            raise InputError(self.file, "form_id is blank", row=row_no, column="form_id")
        s1 = Section1(**{a: r[i] for a, i in self.s1_plain})  # type: ignore[arg-type]
        s1.date_of_birth = self.day(r[ix["s1_date_of_birth"]], "section1.date_of_birth", ctx)
        s1.signed = self.flag(r, "s1_signed", ctx)
        s1.date_signed = self.day(r[ix["s1_date_signed"]], "section1.date_signed", ctx)
        status_text = r[ix["s1_status"]]
        if status_text:
            for part in status_text.split("|"):
                status = _STATUS_ALIASES.get(part.strip().upper())
                if status is None:
                    allowed = ", ".join(st.value for st in Status)
                    raise InputError(
                        self.file,
                        f"{part!r} is not one of {allowed} (several separated by '|')",
                        row=row_no,
                        column="s1_status",
                    )
                s1.status_boxes.append(status)
        s1.authorization_expiration, s1.authorization_expiration_raw = self.expiration(
            r[ix["s1_authorization_expiration"]], "section1.authorization_expiration", ctx
        )
        s2 = Section2(**{a: r[i] for a, i in self.s2_plain})  # type: ignore[arg-type]
        s2.alternative_procedure = self.flag(r, "s2_alternative_procedure", ctx)
        s2.first_day_of_employment = self.day(
            r[ix["s2_first_day_of_employment"]], "section2.first_day_of_employment", ctx
        )
        s2.signed = self.flag(r, "s2_signed", ctx)
        s2.date_signed = self.day(r[ix["s2_date_signed"]], "section2.date_signed", ctx)
        for prefix in ("s2_a1", "s2_a2", "s2_a3"):
            doc = self.document(
                r, prefix, DocumentList.A, f"section2.list_a[{len(s2.list_a)}]", ctx
            )
            if doc is not None:
                s2.list_a.append(doc)
        s2.list_b = self.document(r, "s2_b", DocumentList.B, "section2.list_b", ctx)
        s2.list_c = self.document(r, "s2_c", DocumentList.C, "section2.list_c", ctx)
        preparers: list[Preparer] = []
        for n, cells in enumerate(self.supa_groups, start=1):
            if not any(cells(r)):
                continue
            pre = f"supa_{n}_"
            prep = Preparer(**{a: r[ix[pre + a]] for a in PREPARER_PLAIN})  # type: ignore[arg-type]
            prep.signed = self.flag(r, pre + "signed", ctx)
            prep.date_signed = self.day(
                r[ix[pre + "date_signed"]], f"preparers[{len(preparers)}].date_signed", ctx
            )
            preparers.append(prep)
        blocks: list[Reverification] = []
        for n, cells in enumerate(self.supb_groups, start=1):
            if not any(cells(r)):
                continue
            blocks.append(self._block(r, f"supb_{n}_", len(blocks), ctx))
        form = I9Form(
            form_id=form_id,
            source=source,
            employee_id=r[ix["employee_id"]],
            edition=r[ix["edition"]],
            language=r[ix["language"]] or "en",
            section1=s1,
            preparers=preparers,
            preparer_used=self.flag(r, "preparer_used", ctx),
            section2=s2,
            supplement_b=blocks,
            copies_retained=self.flag(r, "copies_retained", ctx),
            everify_case=r[ix["everify_case"]],
        )
        corrections = r[ix["corrections"]]
        if corrections:
            self._corrections(form, corrections, ctx)
        form.parse_issues = ctx.issues
        form.raw = ctx.raw
        return form

    def _block(self, r: list[str], pre: str, k: int, ctx: _RowContext) -> Reverification:
        ix = self.ix
        block = Reverification(**{a: r[ix[pre + a]] for a in SUPB_PLAIN})  # type: ignore[arg-type]
        block.rehire_date = self.day(
            r[ix[pre + "rehire_date"]], f"supplement_b[{k}].rehire_date", ctx
        )
        block.signed = self.flag(r, pre + "signed", ctx)
        block.date_signed = self.day(
            r[ix[pre + "date_signed"]], f"supplement_b[{k}].date_signed", ctx
        )
        block.alternative_procedure = self.flag(r, pre + "alternative_procedure", ctx)
        title = r[ix[pre + "doc_title"]]
        if any(r[ix[pre + p]] for p in ("doc_title", "doc_issuer", "doc_number", "doc_expiration")):
            list_text = r[ix[pre + "doc_list"]].upper()
            if list_text and list_text not in ("A", "B", "C"):
                raise InputError(
                    self.file,
                    f"{list_text!r} is not A, B or C",
                    row=ctx.row_no,
                    column=pre + "doc_list",
                )
            exp, exp_raw = self.expiration(
                r[ix[pre + "doc_expiration"]], f"supplement_b[{k}].document.expiration", ctx
            )
            block.document = Document(
                list=DocumentList(list_text) if list_text else pdf_form.infer_list(title),
                title=title,
                issuing_authority=r[ix[pre + "doc_issuer"]],
                number=r[ix[pre + "doc_number"]],
                expiration=exp,
                expiration_raw=exp_raw,
                is_receipt=self.flag(r, pre + "doc_receipt", ctx),
            )
        return block

    def _corrections(self, form: I9Form, text: str, ctx: _RowContext) -> None:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputError(
                self.file, f"not JSON: {exc}", row=ctx.row_no, column="corrections"
            ) from None
        try:
            trail = io_json.form_from_dict(
                {"form_id": form.form_id, "corrections": data}, path="corrections"
            )
        except io_json.FormJSONError as exc:
            raise InputError(self.file, str(exc), row=ctx.row_no, column="corrections") from None
        form.corrections = trail.corrections
        ctx.issues.extend(trail.parse_issues)
        ctx.raw.update(trail.raw)


def iter_forms_csv(
    src: Path | str | TextIO,
    *,
    name: str = "",
    errors: list[InputError] | None = None,
) -> Iterator[I9Form]:
    """Yield the forms of a CSV file; ``source`` of each is ``name:row``.

    A structural problem raises :class:`InputError`, or, when ``errors`` is given, is
    appended there and its row skipped (a header problem skips the whole file).
    """
    if isinstance(src, (str, Path)):
        name = name or Path(src).name
        with open(src, newline="", encoding="utf-8-sig") as fh:
            yield from _iter_forms(fh, name, errors)
    else:
        yield from _iter_forms(src, name or "<csv>", errors)


def _iter_forms(fh: TextIO, name: str, errors: list[InputError] | None) -> Iterator[I9Form]:
    reader = csv.reader(fh)
    try:
        header = next(reader)
    except StopIteration:
        _report(InputError(name, "empty file: no header"), errors)
        return
    except csv.Error as exc:
        _report(InputError(name, f"unreadable CSV: {exc}", row=1), errors)
        return
    try:
        rows = _FormRowReader(header, name)
    except InputError as exc:
        _report(exc, errors)
        return
    row_no = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            _report(InputError(name, f"unreadable CSV: {exc}", row=row_no + 1), errors)
            return
        row_no += 1
        if not row:
            continue  # a blank line
        try:
            yield rows.form(row, f"{name}:{row_no}", row_no)
        except InputError as exc:
            _report(exc, errors)


def _report(exc: InputError, errors: list[InputError] | None) -> None:
    if errors is None:
        raise exc
    errors.append(exc)


def read_forms_csv(src: Path | str | TextIO, *, name: str = "") -> list[I9Form]:
    """Return the forms of a CSV file; raise InputError on a structural problem."""
    with gc_paused():
        return list(iter_forms_csv(src, name=name))


def read_roster_csv(src: Path | str | TextIO, *, name: str = "") -> dict[str, RosterEntry]:
    """Return a roster by employee id; raise InputError naming a bad row and column."""
    if isinstance(src, (str, Path)):
        name = name or Path(src).name
        with open(src, newline="", encoding="utf-8-sig") as fh:
            return _read_roster(fh, name)
    return _read_roster(src, name or "<roster>")


def _read_roster(fh: TextIO, name: str) -> dict[str, RosterEntry]:
    reader = csv.reader(fh)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(name, "empty file: no header") from None
    for h in header:
        if h not in ROSTER_COLUMNS:
            raise InputError(name, "unknown column", row=1, column=h)
    for req in REQUIRED_ROSTER_COLUMNS:
        if req not in header:
            raise InputError(name, "missing required column", row=1, column=req)
    pos = {h: i for i, h in enumerate(header)}
    out: dict[str, RosterEntry] = {}
    for row_no, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise InputError(name, f"expected {len(header)} cells, found {len(row)}", row=row_no)

        def get(col: str, row: list[str] = row) -> str:
            i = pos.get(col)
            return row[i].strip() if i is not None else ""

        def day(col: str, row_no: int = row_no, get: Callable[[str], str] = get) -> date | None:
            try:
                return io_json.parse_date(get(col))
            except ValueError as exc:
                raise InputError(name, str(exc), row=row_no, column=col) from None

        entry = RosterEntry(
            employee_id=get("employee_id"),
            last_name=get("last_name"),
            first_name=get("first_name"),
            date_of_birth=day("date_of_birth"),
            hire_date=day("hire_date"),
            termination_date=day("termination_date"),
        )
        if not entry.employee_id:
            raise InputError(name, "employee_id is blank", row=row_no, column="employee_id")
        if entry.employee_id in out:
            raise InputError(name, "employee_id appears twice", row=row_no, column="employee_id")
        out[entry.employee_id] = entry
    return out


def read_employer(path: Path | str) -> Employer:
    """Return the employer described by a JSON or YAML file (the Employer fields)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        data: Any = (
            yaml.safe_load(text) if path.suffix.lower() in (".yaml", ".yml") else json.loads(text)
        )
    except (ValueError, yaml.YAMLError) as exc:
        raise InputError(path.name, f"unreadable: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("employer"), dict):
        data = data["employer"]
    try:
        employer = io_json.dataclass_from_dict(Employer, data, path=path.name)
    except io_json.FormJSONError as exc:
        raise InputError(path.name, str(exc)) from None
    if not isinstance(employer, Employer):  # pragma: no cover
        raise InputError(path.name, "not an employer")
    return employer


def read_forms_json(path: Path | str, *, name: str = "") -> list[I9Form] | None:
    """Return the forms of a JSON file (a list, or {"forms": [...]}); None if it holds none."""
    path = Path(path)
    name = name or path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(name, f"not JSON: {exc}") from None
    if isinstance(data, dict):
        if "forms" not in data:
            return None  # employer.json, government.json: not forms
        data = data["forms"]
    if not isinstance(data, list):
        raise InputError(name, 'expected a list of forms or {"forms": [...]}')
    forms = []
    for i, item in enumerate(data):
        try:
            forms.append(
                io_json.form_from_dict(item, source=f"{name}:{i + 1}", path=f"{name}[{i}]")
            )
        except io_json.FormJSONError as exc:
            raise InputError(name, str(exc), row=i + 1) from None
    return forms


def _is_forms_csv(path: Path) -> bool:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        first = fh.readline()
    header = next(csv.reader(io.StringIO(first)), [])
    cols = {h.strip() for h in header}
    return "form_id" in cols and any(c.startswith(("s1_", "s2_")) for c in cols)


def read_directory(path: Path | str, *, workers: int = 1) -> tuple[list[I9Form], list[InputError]]:
    """Return every form under a directory and the errors of what could not be read.

    Forms come from ``*.csv`` files with a form header (a roster or truth file is skipped),
    ``*.json`` files holding a list of forms or ``{"forms": [...]}``, and ``*.pdf`` filled
    forms, in the order of their paths; each form's ``source`` is its path relative to the
    directory, with ``:row`` for CSV (header = row 1) and ``:n`` for JSON. ``workers`` > 1
    reads many PDFs in that many forked processes (a command line's choice: a threaded
    server should not fork); by default they are read in this process (about 70 a second).
    """
    root = Path(path)
    forms: list[I9Form] = []
    errors: list[InputError] = []
    files = sorted(
        (
            p
            for p in root.rglob("*")
            if p.is_file() and p.suffix.lower() in (".csv", ".json", ".pdf")
        ),
        key=lambda p: p.relative_to(root).as_posix(),
    )
    pdfs = [p for p in files if p.suffix.lower() == ".pdf"]
    read_pdfs = pdf_form.read_many(
        [(p, p.relative_to(root).as_posix()) for p in pdfs], workers=workers
    )
    pdf_results = dict(zip(pdfs, read_pdfs, strict=True))
    with gc_paused():
        for file in files:
            if file in pdf_results:
                result = pdf_results[file]
                if isinstance(result, pdf_form.PdfFormError):
                    errors.append(InputError(file.relative_to(root).as_posix(), str(result)))
                else:
                    forms.append(result)
            else:
                _read_file(root, file, forms, errors)
    first_seen: dict[str, str] = {}
    for form in forms:
        where = first_seen.setdefault(form.form_id, form.source)
        if where != form.source:
            name, _, row = form.source.partition(":")
            errors.append(
                InputError(
                    name,
                    f"form_id {form.form_id} also at {where} (both kept)",
                    row=int(row) if row.isdigit() and name.endswith(".csv") else None,
                    column="form_id",
                )
            )
    return forms, errors


def _read_file(root: Path, file: Path, forms: list[I9Form], errors: list[InputError]) -> None:
    rel = file.relative_to(root).as_posix()
    suffix = file.suffix.lower()
    try:
        if suffix == ".csv":
            if _is_forms_csv(file):
                forms.extend(iter_forms_csv(file, name=rel, errors=errors))
        elif suffix == ".json":
            forms.extend(read_forms_json(file, name=rel) or [])
    except InputError as exc:
        errors.append(exc)
    except (OSError, UnicodeDecodeError) as exc:
        errors.append(InputError(rel, f"unreadable: {exc}"))
