"""A fast path for reading the AcroForm fields of a PDF: scan only the keys a reader needs.

pypdf parses every entry of every field dictionary (the I-9's tooltips alone are 15 kB of
text, read a character at a time), which makes a filled form take about 40 ms to read.
The fields need four keys: ``/T``, ``/V``, ``/FT`` and ``/Kids``. This module finds each
field object through pypdf's cross-reference table, and tokenizes the object's bytes with
one regular expression, decoding only those keys' values (strings through pypdf's own
``create_string_object``, so text decodes exactly as pypdf would decode it).

It handles uncompressed objects only. Anything else (a field inside an object stream, an
offset that does not point at its object, an unexpected token) makes :func:`scan_fields`
return None, and the caller reads the file through pypdf as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader
from pypdf.generic import IndirectObject, create_string_object

_TOKEN = re.compile(
    rb"""
    (?P<ws>[\x00\t\n\f\r ]+|%[^\r\n]*)
  | (?P<dopen><<) | (?P<dclose>>>)
  | (?P<aopen>\[) | (?P<aclose>\])
  | (?P<str>\()
  | (?P<hex><[0-9A-Fa-f\x00\t\n\f\r ]*>)
  | (?P<ref>\d+[\x00\t\n\f\r ]+\d+[\x00\t\n\f\r ]+R(?![^\x00\t\n\f\r ()<>\[\]{}/%]))
  | (?P<name>/[^\x00\t\n\f\r ()<>\[\]{}/%]*)
  | (?P<word>[^\x00\t\n\f\r ()<>\[\]{}/%]+)
  """,
    re.X,
)
_STRING_PART = re.compile(rb"[()\\]")
_ESCAPES = {
    ord("n"): b"\n",
    ord("r"): b"\r",
    ord("t"): b"\t",
    ord("b"): b"\b",
    ord("f"): b"\f",
    ord("("): b"(",
    ord(")"): b")",
    ord("\\"): b"\\",
}
_HEADER = re.compile(rb"[\x00\t\n\f\r ]*(\d+)[\x00\t\n\f\r ]+(\d+)[\x00\t\n\f\r ]+obj")
_OCTAL = re.compile(rb"[0-7]{1,3}")
_WANTED = {b"/T", b"/V", b"/FT", b"/Kids", b"/AS"}


class _Unsupported(Exception):
    """Something the fast path does not read: fall back to pypdf."""


@dataclass(slots=True)
class ScannedField:
    """The keys of one field (or widget) object that a form reader needs."""

    obj: int
    entries: dict[str, Any] = field(default_factory=dict)  # "/T" -> str, "/Kids" -> [int]


def _literal(data: bytes, start: int) -> tuple[bytes, int]:
    """Return the bytes of the literal string opening at ``start`` and the index after it."""
    depth = 1
    pos = start + 1
    out = bytearray()
    while True:
        m = _STRING_PART.search(data, pos)
        if m is None:
            raise _Unsupported("unterminated string")
        out += data[pos : m.start()]
        c = data[m.start()]
        pos = m.end()
        if c == 0x5C:  # backslash
            nxt = data[pos : pos + 1]
            if not nxt:
                raise _Unsupported("unterminated escape")
            if nxt in b"01234567":
                octal = _OCTAL.match(data, pos)
                assert octal is not None
                out.append(int(octal.group(), 8) & 0xFF)
                pos = octal.end()
            elif nxt == b"\r":
                pos += 2 if data[pos + 1 : pos + 2] == b"\n" else 1
            elif nxt == b"\n":
                pos += 1
            else:
                out += _ESCAPES.get(nxt[0], nxt)
                pos += 1
        elif c == 0x28:  # (
            depth += 1
            out.append(c)
        else:  # )
            depth -= 1
            if depth == 0:
                return bytes(out), pos
            out.append(c)


def _text(raw: bytes) -> str:
    return str(create_string_object(raw))


def _value(data: bytes, pos: int, end: int) -> tuple[Any, int]:
    """Return one value (decoded when it is a string, a name or refs) and the index after it."""
    m = _TOKEN.match(data, pos)
    while m is not None and m.lastgroup == "ws":
        pos = m.end()
        m = _TOKEN.match(data, pos)
    if m is None or pos >= end:
        raise _Unsupported("value expected")
    kind = m.lastgroup
    if kind == "str":
        raw, after = _literal(data, m.start())
        return _text(raw), after
    if kind == "hex":
        digits = re.sub(rb"[^0-9A-Fa-f]", b"", m.group()[1:-1])
        if len(digits) % 2:
            digits += b"0"
        return _text(bytes.fromhex(digits.decode())), m.end()
    if kind == "name":
        return m.group().decode("latin-1"), m.end()
    if kind == "ref":
        return int(m.group().split()[0]), m.end()
    if kind == "word":
        return m.group().decode("latin-1"), m.end()
    if kind in ("dopen", "aopen"):
        return _container(data, m, end)
    raise _Unsupported(f"unexpected {kind}")


def _container(data: bytes, m: re.Match[bytes], end: int) -> tuple[Any, int]:
    """Return an array (its values) or skip a dictionary; the index after it."""
    is_array = m.lastgroup == "aopen"
    items: list[Any] = []
    pos = m.end()
    while pos < end:
        t = _TOKEN.match(data, pos)
        if t is None:
            raise _Unsupported("bad token")
        kind = t.lastgroup
        if kind == "ws":
            pos = t.end()
        elif kind == ("aclose" if is_array else "dclose"):
            return (items if is_array else None), t.end()
        elif kind in ("aclose", "dclose"):
            raise _Unsupported("unbalanced")
        else:
            value, pos = _value(data, pos, end)
            items.append(value)
    raise _Unsupported("unterminated container")


def _entries(data: bytes, start: int) -> dict[str, Any]:
    """Return the wanted top-level entries of the dictionary object starting at ``start``."""
    header = _HEADER.match(data, start)
    if header is None:
        raise _Unsupported("no object header at its offset")
    end = data.find(b"endobj", header.end())
    if end < 0:
        raise _Unsupported("no endobj")
    pos = header.end()
    m = _TOKEN.match(data, pos)
    while m is not None and m.lastgroup == "ws":
        pos = m.end()
        m = _TOKEN.match(data, pos)
    if m is None or m.lastgroup != "dopen":
        raise _Unsupported("not a dictionary")
    pos = m.end()
    out: dict[str, Any] = {}
    while pos < end:
        t = _TOKEN.match(data, pos)
        if t is None:
            raise _Unsupported("bad token")
        kind = t.lastgroup
        if kind == "ws":
            pos = t.end()
            continue
        if kind == "dclose":
            return out
        if kind != "name":
            raise _Unsupported("dictionary key expected")
        key = t.group()
        value, pos = _value(data, t.end(), end)
        if key in _WANTED:
            out[key.decode()] = value
    raise _Unsupported("unterminated dictionary")


def scan_fields(
    reader: PdfReader, data: bytes, field_refs: list[Any]
) -> dict[str, ScannedField] | None:
    """Return every terminal field by qualified name, or None when the fast path cannot.

    ``field_refs`` is the AcroForm's ``/Fields`` array (indirect references).
    """
    offsets: dict[int, int] = reader.xref.get(0, {})
    if getattr(reader, "xref_objStm", None):
        return None  # objects in object streams: pypdf's job

    def load(num: int) -> ScannedField:
        offset = offsets.get(num)
        if offset is None:
            raise _Unsupported("object not in the cross-references")
        scanned = ScannedField(num, _entries(data, offset))
        return scanned

    out: dict[str, ScannedField] = {}

    def collect(num: int, prefix: str, depth: int) -> None:
        if depth > 20:
            raise _Unsupported("field tree too deep")
        node = load(num)
        name = node.entries.get("/T", "")
        if not isinstance(name, str):
            raise _Unsupported("field name is not text")
        full = f"{prefix}.{name}" if prefix and name else (name or prefix)
        kids = node.entries.get("/Kids") or []
        if not isinstance(kids, list) or not all(isinstance(k, int) for k in kids):
            raise _Unsupported("kids are not references")
        if "/FT" in node.entries and "/T" in node.entries:
            out[full] = node  # a terminal field: its kids are its widgets
            return
        named = []
        for kid in kids:
            k = load(kid)
            if "/T" in k.entries:
                named.append(kid)
        if named:
            for kid in named:
                collect(kid, full, depth + 1)
        if "/FT" in node.entries or not named:
            out[full] = node

    try:
        for ref in field_refs:
            if not isinstance(ref, IndirectObject):
                return None
            collect(ref.idnum, "", 0)
        return out
    except (_Unsupported, IndexError, ValueError, UnicodeDecodeError):
        return None


def widget_states(reader: PdfReader, data: bytes, field: ScannedField) -> list[str]:
    """Return the appearance states (``/AS``) of a field's widgets (itself when merged)."""
    offsets: dict[int, int] = reader.xref.get(0, {})
    states = []
    kids = field.entries.get("/Kids") or []
    nodes = [field.entries] if not kids else []
    for kid in kids:
        offset = offsets.get(kid)
        if offset is None:
            continue
        try:
            nodes.append(_entries(data, offset))
        except _Unsupported:
            continue
    for node in nodes:
        state = node.get("/AS")
        if isinstance(state, str) and state:
            states.append(state)
    return states
