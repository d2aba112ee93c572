"""The official fillable Form I-9 (edition 08/01/23): fill it from a form, read a filled one.

The PDF is the USCIS fillable form as published (``data/i-9_edition_08-01-23.pdf``; its
fields and quirks are listed in ``data/i-9_edition_08-01-23.fields.txt``). Filling sets
each field's value (``/V``; the check boxes their ``/AS`` appearance state) and asks the
viewer to redraw the text (``/NeedAppearances``); the template is parsed once per process,
and each fill re-writes only the field objects (about 20 ms). Reading walks the AcroForm
field tree of any filled copy (the fields' keys scanned directly, ``pdf_scan``, else
through pypdf), tolerant of the damaged cross-reference tables real PDFs carry (pypdf
rebuilds them, ``strict=False``; a lost trailer is written anew).

The PDF cannot hold everything the model can (:func:`unrepresentable` names what a form
would lose), and three of its fields are quirks the reader resolves truthfully:

* ``Document Title 1`` is ONE field drawn twice: List A document 1's title (page 1) and
  Supplement B block 2's title (page 4). The form cannot hold two different values.
  :func:`fill` writes Section 2's title when there is one (Supplement B's otherwise);
  :func:`read` gives the value to List A document 1 when that document has any other
  entry (issuer, number, expiration), and to Supplement B block 2 when that block has a
  document number or expiration, or is present while List A document 1 is otherwise
  blank. A value that serves both is read into both, as the printed form shows it.
* ``Preparer or Translator Last Name (Family Name) 1`` is ONE field drawn twice: the
  second preparer's last-name box and first-name box. The form shows the same text in
  both; :func:`read` returns it as both names, :func:`fill` writes the last name.
* ``Document Number if any_3`` is List A document 3's expiration date (its tooltip says
  so); the document's number is ``List A.  Document 3 Number.  If any``.

Signatures are text fields: a non-empty one means signed. What the form has no field for
(the form id, the employee id of the employer's system, the E-Verify case, whether copies
were kept, the correction trail) travels in the document information dictionary under
``/ImosFormId``, ``/ImosEmployeeId``, ``/ImosEverifyCase``, ``/ImosCopiesRetained``,
``/ImosCorrections`` (JSON) and ``/ImosPreparerUsed``; a PDF without them reads with the
file name as the form id.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import threading
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

import pypdf
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ByteStringObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from immigrationos.worksite import io_json, pdf_scan
from immigrationos.worksite.model import (
    Document,
    DocumentList,
    I9Form,
    ParseIssue,
    Preparer,
    Reverification,
    Section1,
    Section2,
)
from immigrationos.worksite.pdf_fields import (
    CHECKBOX_ON,
    DUPLICATE_TITLE,
    EDITION,
    LIST_A_FIELDS,
    LIST_B_FIELDS,
    LIST_C_FIELDS,
    PREPARER2_NAME,
    PREPARER_SLOTS,
    S1_FIELDS,
    S2_FIELDS,
    STATUS_BOXES,
    SUPB_SLOTS,
    TEMPLATE_NAME,
    field_values,
    infer_list,
    preparer_fields,
    representative_text,
    supb_fields,
    title_owners,
    unrepresentable,
)

# The field map is part of this module's interface (readers, the generator, the tests).
__all__ = [
    "CHECKBOX_ON",
    "DUPLICATE_TITLE",
    "EDITION",
    "PREPARER2_NAME",
    "STATUS_BOXES",
    "PdfFormError",
    "field_values",
    "fill",
    "infer_list",
    "read",
    "read_fields",
    "read_many",
    "representative_text",
    "template_bytes",
    "title_owners",
    "unrepresentable",
]

_NO_DATE = {"", "N/A", "NA", "D/S", "DS", "NONE"}

logging.getLogger("pypdf").setLevel(logging.ERROR)  # the template's own xref is untidy


class PdfFormError(ValueError):
    """A PDF that is not a fillable Form I-9 this reader knows."""


def template_bytes() -> bytes:
    """Return the bytes of the official fillable PDF shipped with the package."""
    return _template_bytes()


@cache
def _template_bytes() -> bytes:
    return (resources.files("immigrationos.worksite") / "data" / TEMPLATE_NAME).read_bytes()


# ---------------------------------------------------------------- filling


class _Template:
    """The template made ready once: its bytes cut into objects, its fields by name.

    A fill writes the template's objects as they are, byte for byte, except the field
    objects (with their new values) and the information dictionary, then one new
    cross-reference table: a whole, clean file (not an incremental update, whose loss of
    the last trailer would silently show the blank form), without re-parsing or
    re-serializing the 1,600 objects that do not change.
    """

    def __init__(self) -> None:
        reader = pypdf.PdfReader(io.BytesIO(template_bytes()), strict=False)
        writer = pypdf.PdfWriter(clone_from=reader)
        root = writer._root_object
        # The usage-rights signature (/Perms /UR3) no longer matches once fields change:
        # Adobe Reader would reject the filled copy. It is also 7 kB of hex to re-parse.
        root.pop(NameObject("/Perms"), None)
        acro = cast(DictionaryObject, root["/AcroForm"].get_object())
        acro[NameObject("/NeedAppearances")] = BooleanObject(True)
        buf = io.BytesIO()
        writer.write(buf)
        self.base = buf.getvalue()
        self.lock = threading.Lock()
        base = pypdf.PdfReader(io.BytesIO(self.base), strict=True)
        trailer = base.trailer
        self.root_ref = cast(IndirectObject, trailer.raw_get("/Root"))
        self.size = int(cast(Any, trailer["/Size"]))
        self.ids = trailer.get("/ID")
        startxref = int(re.findall(rb"startxref\s+(\d+)", self.base[-64:])[-1])
        spans = sorted((offset, num) for num, offset in base.xref[0].items())
        self.head = self.base[: spans[0][0]]
        ends = [offset for offset, _ in spans[1:]] + [startxref]
        self.objects = [
            (num, self.base[offset:end]) for (offset, num), end in zip(spans, ends, strict=True)
        ]
        self.info_num = cast(IndirectObject, trailer.raw_get("/Info")).idnum
        # (field object number, field, [(widget number, widget)] when the widgets are apart)
        self.fields: dict[
            str, tuple[int, DictionaryObject, list[tuple[int, DictionaryObject]]]
        ] = {}
        base_root = cast(DictionaryObject, base.trailer["/Root"].get_object())
        base_acro = cast(DictionaryObject, base_root["/AcroForm"].get_object())
        for ref in cast(ArrayObject, base_acro["/Fields"]):
            self._collect(cast(IndirectObject, ref), "")

    def _collect(self, ref: IndirectObject, prefix: str) -> None:
        obj = cast(DictionaryObject, ref.get_object())
        name = str(obj["/T"]) if "/T" in obj else ""
        full = f"{prefix}.{name}" if prefix and name else (name or prefix)
        kids = [cast(IndirectObject, k) for k in cast(ArrayObject, obj.get("/Kids", ArrayObject()))]
        named = [k for k in kids if "/T" in cast(DictionaryObject, k.get_object())]
        if ("/FT" in obj and "/T" in obj) or not named:
            widgets = [
                (k.idnum, cast(DictionaryObject, k.get_object())) for k in kids if k not in named
            ]
            self.fields[full] = (ref.idnum, obj, widgets)
            return
        for kid in named:
            self._collect(kid, full)

    def fill(self, values: dict[str, str], info: dict[str, str]) -> bytes:
        """Return the template as a whole file with every value given set."""
        changed: dict[int, bytes] = {}

        def serialize(num: int, obj: DictionaryObject) -> None:
            buf = io.BytesIO()
            obj.write_to_stream(buf)
            changed[num] = b"%d 0 obj\n%s\nendobj\n" % (num, buf.getvalue())

        with self.lock:
            for name, (num, field, widgets) in self.fields.items():
                if name not in values:
                    continue
                value = values[name]
                if name in CHECKBOX_ON:
                    state = NameObject(value)
                    field[NameObject("/V")] = state
                    if widgets:
                        for wnum, widget in widgets:
                            widget[NameObject("/AS")] = state
                            serialize(wnum, widget)
                    else:
                        field[NameObject("/AS")] = state
                else:
                    field[NameObject("/V")] = TextStringObject(value)
                serialize(num, field)
        info_dict = DictionaryObject({NameObject("/Producer"): TextStringObject("ImmigrationOS")})
        for key, text in info.items():
            if text:
                info_dict[NameObject(key)] = TextStringObject(text)
        serialize(self.info_num, info_dict)
        parts = [self.head]
        offsets: dict[int, int] = {}
        pos = len(self.head)
        for num, original in self.objects:
            chunk = changed.get(num, original)
            offsets[num] = pos
            parts.append(chunk)
            pos += len(chunk)
        lines = [b"xref\n0 %d\n0000000000 65535 f \n" % self.size]
        lines.extend(
            b"%010d 00000 n \n" % offsets[n] if n in offsets else b"0000000000 65535 f \n"
            for n in range(1, self.size)
        )
        trailer = DictionaryObject(
            {
                NameObject("/Size"): NumberObject(self.size),
                NameObject("/Root"): self.root_ref,
                NameObject("/Info"): IndirectObject(self.info_num, 0, None),
            }
        )
        if isinstance(self.ids, ArrayObject) and len(self.ids) == 2:
            # The first identifier is the document's, the second this version's.
            digest = hashlib.md5(b"".join(changed.values()), usedforsecurity=False).digest()
            trailer[NameObject("/ID")] = ArrayObject([self.ids[0], ByteStringObject(digest)])
        buf = io.BytesIO()
        trailer.write_to_stream(buf)
        parts.extend(lines)
        parts.append(b"trailer\n%s\nstartxref\n%d\n%%%%EOF\n" % (buf.getvalue(), pos))
        return b"".join(parts)


def _widgets(field: DictionaryObject) -> list[DictionaryObject]:
    kids = field.get("/Kids")
    if not kids:
        return [field]
    return [k.get_object() for k in kids if "/T" not in k.get_object()]


def _collect(obj: DictionaryObject, prefix: str, out: dict[str, DictionaryObject]) -> None:
    name = str(obj["/T"]) if "/T" in obj else ""
    full = f"{prefix}.{name}" if prefix and name else (name or prefix)
    kids = obj.get("/Kids")
    if "/FT" in obj and "/T" in obj:
        out[full] = obj  # a terminal field: its kids, if any, are its widgets
        return
    named_kids = [k.get_object() for k in kids if "/T" in k.get_object()] if kids else []
    if named_kids:
        for kid in named_kids:
            _collect(kid, full, out)
    if "/FT" in obj or not named_kids:
        out[full] = obj


_TEMPLATE: _Template | None = None
_TEMPLATE_LOCK = threading.Lock()


def _template() -> _Template:
    global _TEMPLATE
    with _TEMPLATE_LOCK:
        if _TEMPLATE is None:
            _TEMPLATE = _Template()
        return _TEMPLATE


def fill(form: I9Form) -> bytes:
    """Return a filled copy of the official 08/01/23 PDF holding the form's values."""
    values = field_values(form)
    info = {
        "/ImosFormId": form.form_id,
        "/ImosEmployeeId": form.employee_id,
        "/ImosEverifyCase": form.everify_case,
        "/ImosCopiesRetained": "Y" if form.copies_retained else "",
        "/ImosPreparerUsed": "Y" if form.preparer_used else "N",
        "/ImosCorrections": (json.dumps(_corrections_json(form)) if form.corrections else ""),
    }
    return _template().fill(values, info)


def _corrections_json(form: I9Form) -> Any:
    return io_json.form_to_dict(I9Form(form_id=form.form_id, corrections=form.corrections))[
        "corrections"
    ]


# ---------------------------------------------------------------- reading


def read_fields(path_or_bytes: str | Path | bytes) -> tuple[dict[str, str], dict[str, str]]:
    """Return every field's value by qualified name, and the document information.

    A well-formed file is read strictly (fast: pypdf skips checking every cross-reference
    entry); a damaged one again, tolerantly, with its cross-references rebuilt.
    """
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    try:
        return _read_fields(data, strict=True)
    except PdfFormError:
        raise
    except Exception:
        pass
    try:
        return _read_fields(data, strict=False)
    except PdfFormError:
        raise
    except Exception as exc:  # pypdf raises many kinds on a PDF it cannot repair
        repaired = _with_new_trailer(data)
        if repaired is None:
            raise PdfFormError(f"unreadable PDF: {exc}") from exc
        try:
            return _read_fields(repaired, strict=False)
        except Exception as again:
            raise PdfFormError(f"unreadable PDF: {exc}; after repair: {again}") from exc


_OBJ = re.compile(rb"(?m)^(\d+) 0 obj")
_CATALOG = re.compile(
    rb"(\d+) 0 obj\s*<<(?:(?!endobj).){0,400}?/(?:AcroForm|Type\s*/Catalog)", re.S
)
_INFO = re.compile(rb"(\d+) 0 obj\s*<<(?:(?!endobj).){0,2000}?/ImosFormId", re.S)


def _with_new_trailer(data: bytes) -> bytes | None:
    """Return a truncated PDF cut after its last whole object, with a trailer written anew.

    The trailer names the catalogue (and the information dictionary, when found) and
    points ``startxref`` at nothing, so pypdf rebuilds the cross-references by scanning.
    """
    end = data.rfind(b"endobj")
    if end < 0:
        return None
    body = data[: end + len(b"endobj")]
    numbers = [int(m) for m in _OBJ.findall(body)]
    catalog = _CATALOG.search(body)
    if not numbers or catalog is None:
        return None
    info = _INFO.search(body)
    extra = b" /Info %s 0 R" % info.group(1) if info else b""
    return body + b"\ntrailer\n<< /Size %d /Root %s 0 R%s >>\nstartxref\n0\n%%%%EOF\n" % (
        max(numbers) + 1,
        catalog.group(1),
        extra,
    )


def _read_fields(
    data: bytes, *, strict: bool, fast: bool = True
) -> tuple[dict[str, str], dict[str, str]]:
    reader = pypdf.PdfReader(io.BytesIO(data), strict=strict)
    root = cast(DictionaryObject, reader.trailer["/Root"].get_object())
    acro = root.get("/AcroForm")
    if acro is None:
        raise PdfFormError("the PDF has no form fields (not a fillable Form I-9)")
    refs = list(cast(ArrayObject, cast(DictionaryObject, acro.get_object())["/Fields"]))
    values = _scanned_values(reader, data, refs) if fast else None
    if values is None:
        values = _parsed_values(refs)
    info: dict[str, str] = {}
    raw_info = reader.trailer.get("/Info")
    if raw_info is not None:
        for key, val in cast(DictionaryObject, raw_info.get_object()).items():
            if str(key).startswith("/Imos"):
                info[str(key)] = str(val)
    if "Last Name (Family Name)" not in values or "CB_1" not in values:
        raise PdfFormError("not the fillable Form I-9 (edition 08/01/23): its fields are missing")
    return values, info


def _scanned_values(reader: pypdf.PdfReader, data: bytes, refs: list[Any]) -> dict[str, str] | None:
    """Return the field values through the fast scanner, or None when it cannot read them."""
    scanned = pdf_scan.scan_fields(reader, data, refs)
    if scanned is None:
        return None
    values: dict[str, str] = {}
    for name, found in scanned.items():
        value = found.entries.get("/V")
        if value is None and name in CHECKBOX_ON:
            states = pdf_scan.widget_states(reader, data, found)
            value = states[0] if states else None
        if value is not None and not isinstance(value, str):
            return None  # an indirect or composite value: pypdf reads it
        values[name] = value or ""
    return values


def _parsed_values(refs: list[Any]) -> dict[str, str]:
    """Return the field values through pypdf's full parse of every field object."""
    fields: dict[str, DictionaryObject] = {}
    for ref in refs:
        _collect(ref.get_object(), "", fields)
    values: dict[str, str] = {}
    for name, field in fields.items():
        value = field.get("/V")
        if value is None and name in CHECKBOX_ON:
            # Some tools set only the widget's appearance state of a check box.
            value = next((w.get("/AS") for w in _widgets(field) if w.get("/AS")), None)
        values[name] = "" if value is None else str(value)
    return values


class _Parser:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.issues: list[ParseIssue] = []
        self.raw: dict[str, str] = {}

    def text(self, name: str) -> str:
        return self.values.get(name, "").strip()

    def day(self, name: str, path: str) -> date | None:
        text = self.text(name)
        try:
            return io_json.parse_date(text)
        except ValueError as exc:
            self.raw[path] = text
            self.issues.append(ParseIssue(field=path, value=text, message=str(exc)))
            return None

    def expiration(self, name: str, path: str) -> tuple[date | None, str]:
        text = self.text(name)
        try:
            return io_json.parse_date(text), ""
        except ValueError as exc:
            if text.upper() not in _NO_DATE:
                self.raw[path] = text
                self.issues.append(ParseIssue(field=path, value=text, message=str(exc)))
            return None, text

    def checked(self, name: str) -> bool:
        return self.text(name) not in ("", "/Off", "Off")

    def document(
        self, lst: DocumentList, names: tuple[str, str, str, str], path: str
    ) -> Document | None:
        title, issuer, number = self.text(names[0]), self.text(names[1]), self.text(names[2])
        if not (title or issuer or number or self.text(names[3])):
            return None
        exp, exp_raw = self.expiration(names[3], f"{path}.expiration")
        return Document(
            list=lst,
            title=title,
            issuing_authority=issuer,
            number=number,
            expiration=exp,
            expiration_raw=exp_raw,
            is_receipt=title.lower().startswith("receipt"),
        )


def read(path_or_bytes: str | Path | bytes, *, source: str = "") -> I9Form:
    """Return the form a filled 08/01/23 PDF holds; raise PdfFormError if it is none."""
    values, info = read_fields(path_or_bytes)
    p = _Parser(values)
    if not source and not isinstance(path_or_bytes, bytes):
        source = str(path_or_bytes)
    form_id = info.get("/ImosFormId", "") or (Path(source).stem if source else "")
    s1 = Section1()
    for attr, name in S1_FIELDS.items():
        if attr == "signed":
            s1.signed = bool(p.text(name))
        elif attr == "authorization_expiration":
            s1.authorization_expiration, s1.authorization_expiration_raw = p.expiration(
                name, "section1.authorization_expiration"
            )
        elif attr in ("date_of_birth", "date_signed"):
            setattr(s1, attr, p.day(name, f"section1.{attr}"))
        else:
            setattr(s1, attr, p.text(name))
    s1.status_boxes = [status for status, box in STATUS_BOXES.items() if p.checked(box)]
    s2 = Section2()
    dup = p.text(DUPLICATE_TITLE)
    a1_takes, b2_takes = title_owners(values)
    for i, names in enumerate(LIST_A_FIELDS):
        if i == 0 and not a1_takes:
            names = ("", names[1], names[2], names[3])  # "" never names a field: no title
        doc = p.document(DocumentList.A, names, f"section2.list_a[{len(s2.list_a)}]")
        if doc is not None:
            s2.list_a.append(doc)
    s2.list_b = p.document(DocumentList.B, LIST_B_FIELDS, "section2.list_b")
    s2.list_c = p.document(DocumentList.C, LIST_C_FIELDS, "section2.list_c")
    rep = [x.strip() for x in p.text(S2_FIELDS["representative"]).split(",", 2)]
    rep += [""] * (3 - len(rep))
    s2.representative_last_name, s2.representative_first_name, s2.representative_title = rep
    s2.additional_information = p.text(S2_FIELDS["additional_information"])
    s2.alternative_procedure = p.checked(S2_FIELDS["alternative_procedure"])
    s2.first_day_of_employment = p.day(
        S2_FIELDS["first_day_of_employment"], "section2.first_day_of_employment"
    )
    s2.signed = bool(p.text(S2_FIELDS["signed"]))
    s2.date_signed = p.day(S2_FIELDS["date_signed"], "section2.date_signed")
    s2.business_name = p.text(S2_FIELDS["business_name"])
    s2.business_address = p.text(S2_FIELDS["business_address"])
    preparers: list[Preparer] = []
    for i in range(PREPARER_SLOTS):
        f = preparer_fields(i)
        if not any(p.text(n) for n in f.values()):
            continue
        prep = Preparer(
            last_name=p.text(f["last_name"]),
            first_name=p.text(f["first_name"]),
            middle_initial=p.text(f["middle_initial"]),
            address=p.text(f["address"]),
            city=p.text(f["city"]),
            state=p.text(f["state"]),
            zip_code=p.text(f["zip_code"]),
            signed=bool(p.text(f["signed"])),
            date_signed=p.day(f["date_signed"], f"preparers[{len(preparers)}].date_signed"),
        )
        preparers.append(prep)
    blocks: list[Reverification] = []
    for i in range(SUPB_SLOTS):
        f = supb_fields(i)
        title = dup if i == 1 and b2_takes else ("" if i == 1 else p.text(f["doc_title"]))
        present = any(
            p.text(n) for k, n in f.items() if k not in ("doc_title", "alternative_procedure")
        )
        if not (present or title or p.checked(f["alternative_procedure"])):
            continue
        k = len(blocks)
        doc = None
        if title or p.text(f["doc_number"]) or p.text(f["doc_expiration"]):
            exp, exp_raw = p.expiration(
                f["doc_expiration"], f"supplement_b[{k}].document.expiration"
            )
            doc = Document(
                list=infer_list(title),
                title=title,
                number=p.text(f["doc_number"]),
                expiration=exp,
                expiration_raw=exp_raw,
                is_receipt=title.lower().startswith("receipt"),
            )
        blocks.append(
            Reverification(
                rehire_date=p.day(f["rehire_date"], f"supplement_b[{k}].rehire_date"),
                last_name=p.text(f["last_name"]),
                first_name=p.text(f["first_name"]),
                middle_initial=p.text(f["middle_initial"]),
                document=doc,
                employer_name=p.text(f["employer_name"]),
                signed=bool(p.text(f["signed"])),
                date_signed=p.day(f["date_signed"], f"supplement_b[{k}].date_signed"),
                additional_information=p.text(f["additional_information"]),
                alternative_procedure=p.checked(f["alternative_procedure"]),
            )
        )
    form = I9Form(
        form_id=form_id,
        source=source,
        employee_id=info.get("/ImosEmployeeId", ""),
        edition=EDITION,
        language="en",
        section1=s1,
        preparers=preparers,
        preparer_used=(
            info["/ImosPreparerUsed"] == "Y" if info.get("/ImosPreparerUsed") else bool(preparers)
        ),
        section2=s2,
        supplement_b=blocks,
        copies_retained=info.get("/ImosCopiesRetained") == "Y",
        everify_case=info.get("/ImosEverifyCase", ""),
    )
    corrections = info.get("/ImosCorrections", "")
    if corrections:
        try:
            trail = io_json.form_from_dict(
                {"form_id": form_id, "corrections": json.loads(corrections)}, path="ImosCorrections"
            )
            form.corrections = trail.corrections
        except (ValueError, io_json.FormJSONError) as exc:
            p.raw["corrections"] = corrections
            p.issues.append(ParseIssue(field="corrections", value=corrections, message=str(exc)))
    form.parse_issues = p.issues
    form.raw = p.raw
    return form


def _read_one(item: tuple[str, str]) -> I9Form | str:
    path, source = item
    try:
        return read(path, source=source)
    except PdfFormError as exc:
        return str(exc)


PARALLEL_MIN = 24  # below this, starting worker processes costs more than it saves


def read_many(
    items: list[tuple[Path, str]],
    *,
    workers: int | None = None,
    parallel_min: int = PARALLEL_MIN,
) -> list[I9Form | PdfFormError]:
    """Return the forms of many filled PDFs (``(path, source)`` pairs), in order.

    A file that is not a readable Form I-9 gives its :class:`PdfFormError` in its place.
    Many files are read by worker processes, one per core (pypdf is pure Python).
    """
    jobs = [(str(path), source) for path, source in items]
    workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    if workers > 1 and len(jobs) >= parallel_min:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_read_one, jobs, chunksize=max(1, len(jobs) // (workers * 4))))
    else:
        results = [_read_one(job) for job in jobs]
    return [PdfFormError(r) if isinstance(r, str) else r for r in results]
