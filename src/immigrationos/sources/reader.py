"""Split an RFC 4180 CSV file into records and fields, vectorised, with line numbers.

Why not DuckDB's or Polars' CSV reader: provenance needs the physical line of every
accepted row and the raw text of every rejected one, and neither reader reports the
line of an accepted row. Splitting is a few array operations over the file's bytes
(NumPy), and the fields become Arrow string columns without a Python loop per row;
validation then runs in Polars on those columns.

The rules: a newline or comma is a separator only outside quotes, which is exactly
when an even number of ``"`` precede it in the file (a record always starts outside
quotes). A field that starts and ends with ``"`` is unquoted and its ``""`` become
``"``. Line ends may be ``\\n`` or ``\\r\\n``; blank lines hold no record.
"""

from __future__ import annotations

import codecs
import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

QUOTE, COMMA, NEWLINE, CR = 34, 44, 10, 13
BOM = b"\xef\xbb\xbf"

IntArray = npt.NDArray[np.int64]


class CsvFileError(ValueError):
    """A file that cannot be read as CSV at all (no header, not UTF-8 in its header)."""


@dataclass(frozen=True)
class SplitFile:
    """A CSV file split into its header and records.

    ``fields`` holds one text column per header name (null for an empty field) for
    the records whose field count matches the header; ``bad_shape`` lists the
    others with their line and raw text. Every record of the file is in exactly
    one of the two, so ``records == fields.height + bad_shape.height``.
    """

    header: list[str]
    fields: pl.DataFrame  # header columns + _line_number + _raw_text
    bad_shape: pl.DataFrame  # _line_number, _raw_text, _field_count, _reason

    @property
    def records(self) -> int:
        """Return the number of records read (header excluded)."""
        return self.fields.height + self.bad_shape.height


def _gather_strings(buf: npt.NDArray[np.uint8], starts: IntArray, ends: IntArray) -> pa.Array:
    """Copy the byte ranges ``[starts, ends)`` of ``buf`` into one Arrow string array."""
    lengths = np.maximum(ends - starts, 0)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    total = int(offsets[-1])
    if total:
        index = np.arange(total, dtype=np.int64)
        index += np.repeat(starts - offsets[:-1], lengths)
        data = buf[index]
    else:
        data = np.zeros(0, dtype=np.uint8)
    return pa.LargeStringArray.from_buffers(
        len(lengths), pa.py_buffer(offsets), pa.py_buffer(data.tobytes())
    )


def _field_column(
    buf: npt.NDArray[np.uint8], starts: IntArray, ends: IntArray
) -> tuple[pl.Series, npt.NDArray[np.bool_]]:
    """Return one field column (unquoted, ``""`` unescaped, empty as null) and its bad quotes.

    A field has bad quotes when a ``"`` stands in an unquoted field, or a quoted
    field holds a ``"`` that is not doubled.
    """
    ends = ends.copy()
    starts = starts.copy()
    nonempty = ends > starts
    safe_end = np.where(nonempty, ends - 1, starts)
    quoted = (
        nonempty
        & (ends - starts >= 2)
        & (buf[np.minimum(starts, len(buf) - 1)] == QUOTE)
        & (buf[np.minimum(safe_end, len(buf) - 1)] == QUOTE)
    )
    starts[quoted] += 1
    ends[quoted] -= 1
    values = _gather_strings(buf, starts, ends)
    quoted_arr = pa.array(quoted)
    inner = pc.if_else(quoted_arr, pc.replace_substring(values, '""', ""), values)
    bad_quotes = np.asarray(pc.match_substring(inner, '"').to_numpy(zero_copy_only=False))
    if quoted.any():
        values = pc.if_else(quoted_arr, pc.replace_substring(values, '""', '"'), values)
    series = pl.Series(values=values).cast(pl.Utf8)
    column = pl.select(pl.when(series.str.len_bytes() == 0).then(None).otherwise(series))
    return column.to_series(), bad_quotes


def _record_bounds(buf: npt.NDArray[np.uint8]) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Return start, end, first physical line of each record, and the separator commas."""
    quotes = np.flatnonzero(buf == QUOTE)
    newlines = np.flatnonzero(buf == NEWLINE)
    commas = np.flatnonzero(buf == COMMA)
    outside_nl = (np.searchsorted(quotes, newlines) % 2) == 0
    outside_commas = commas[(np.searchsorted(quotes, commas) % 2) == 0]
    sep_idx = np.flatnonzero(outside_nl)  # index into `newlines` of record-ending newlines
    sep = newlines[sep_idx]
    starts = np.concatenate(([0], sep + 1)).astype(np.int64)
    ends = np.concatenate((sep, [len(buf)])).astype(np.int64)
    # physical line (1-based) on which each record starts
    lines = np.concatenate(([1], sep_idx + 2)).astype(np.int64)
    # drop a trailing \r of a CRLF line end
    has_cr = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == CR)
    ends = ends - has_cr.astype(np.int64)
    keep = ends > starts  # blank lines hold no record
    return starts[keep], ends[keep], lines[keep], outside_commas.astype(np.int64)


def _invalid_utf8_positions(data: bytes) -> tuple[bytes, list[int]]:
    """Return ``data`` with each invalid UTF-8 byte replaced by ``?``, and where they were.

    The replacement keeps every byte offset, so lines and fields stay where they were.
    """
    try:
        data.decode("utf-8")
        return data, []
    except UnicodeDecodeError:
        pass
    positions: list[int] = []

    def _mark(err: UnicodeError) -> tuple[str, int]:
        assert isinstance(err, UnicodeDecodeError)
        positions.extend(range(err.start, err.end))
        return "?" * (err.end - err.start), err.end

    codecs.register_error("imos_mark_invalid", _mark)
    cleaned = data.decode("utf-8", errors="imos_mark_invalid").encode("utf-8")
    return cleaned, positions


def split_csv(data: bytes) -> SplitFile:
    """Split CSV bytes into header, well-shaped records and wrongly shaped records.

    Raises:
        CsvFileError: the file is empty or its header is not valid UTF-8.
    """
    offset = len(BOM) if data.startswith(BOM) else 0
    data, invalid_at = _invalid_utf8_positions(data[offset:])
    buf = np.frombuffer(data, dtype=np.uint8)
    nul_at = np.flatnonzero(buf == 0)
    if nul_at.size:  # no text column may hold NUL (PostgreSQL text cannot): mark it, keep offsets
        buf = buf.copy()
        buf[nul_at] = ord("?")
        data = buf.tobytes()
    if buf.size == 0:
        raise CsvFileError("the file is empty: a header row is required")
    starts, ends, lines, commas = _record_bounds(buf)
    if starts.size == 0:
        raise CsvFileError("the file has no header row")
    if invalid_at and invalid_at[0] < ends[0]:
        raise CsvFileError(f"the header row is not valid UTF-8 (byte {invalid_at[0] + offset})")
    if nul_at.size and nul_at[0] < ends[0]:
        raise CsvFileError(f"the header row holds a NUL byte (byte {int(nul_at[0]) + offset})")
    header_cols = _split_header(buf, int(starts[0]), int(ends[0]), commas)
    ncols = len(header_cols)
    starts, ends, lines = starts[1:], ends[1:], lines[1:]

    first_comma = np.searchsorted(commas, starts)
    field_count = np.searchsorted(commas, ends) - first_comma + 1
    good = field_count == ncols
    not_utf8 = np.zeros(starts.size, dtype=bool)
    if invalid_at:
        not_utf8[np.searchsorted(ends, np.asarray(invalid_at, dtype=np.int64))] = True
        good &= ~not_utf8
    has_nul = np.zeros(starts.size, dtype=bool)
    if nul_at.size:
        has_nul[np.searchsorted(ends, nul_at)] = True  # all after the header (checked above)
        good &= ~has_nul
    raw = pl.Series("_raw_text", _gather_strings(buf, starts, ends)).cast(pl.Utf8)

    good_idx = np.flatnonzero(good)
    g_starts, g_ends, g_first = starts[good], ends[good], first_comma[good]
    columns: dict[str, pl.Series] = {}
    bad_quotes = np.zeros(starts.size, dtype=bool)
    for j, name in enumerate(header_cols):
        f_start = g_starts if j == 0 else commas[g_first + j - 1] + 1
        f_end = g_ends if j == ncols - 1 else commas[g_first + j]
        column, column_bad = _field_column(buf, f_start, f_end)
        columns[name] = column.alias(name)
        bad_quotes[good_idx[column_bad]] = True
    if bad_quotes.any():
        keep = ~bad_quotes[good_idx]
        columns = {name: col.filter(pl.Series(keep)) for name, col in columns.items()}
        good &= ~bad_quotes
    good_mask = pl.Series(good)
    fields = pl.DataFrame(
        [
            *columns.values(),
            pl.Series("_line_number", lines[good]),
            raw.filter(good_mask),
        ]
    )
    bad = ~good
    bad_shape = (
        pl.DataFrame(
            {
                "_line_number": lines[bad],
                "_raw_text": raw.filter(~good_mask),
                "_field_count": field_count[bad],
                "_not_utf8": not_utf8[bad],
                "_has_nul": has_nul[bad],
                "_bad_quotes": bad_quotes[bad],
            }
        )
        .with_columns(
            pl.when(pl.col("_not_utf8"))
            .then(
                pl.lit("the row is not valid UTF-8 (invalid bytes shown as ?); re-export as UTF-8")
            )
            .when(pl.col("_has_nul"))
            .then(
                pl.lit(
                    "the row holds a NUL (0x00) byte, which no field may contain (shown as ?); "
                    "remove it and re-export"
                )
            )
            .when(pl.col("_bad_quotes"))
            .then(
                pl.lit(
                    'a quote (") stands where RFC 4180 does not allow one; double it or quote the field'
                )
            )
            .otherwise(
                pl.format(
                    "wrong number of fields: {} found, the header has {} (check for a stray comma "
                    "or an unclosed quote)",
                    pl.col("_field_count"),
                    pl.lit(ncols),
                )
            )
            .alias("_reason")
        )
        .drop("_not_utf8", "_has_nul", "_bad_quotes")
    )
    return _recover_unclosed_quotes(SplitFile(header_cols, fields, bad_shape), data)


def _recover_unclosed_quotes(split: SplitFile, data: bytes) -> SplitFile:
    """Re-read the lines that an unclosed quote swallowed, so one bad row stays one row.

    A record with an odd number of quotes ran to the end of the file (or to the next
    stray quote). Its first line is the bad row; the lines after it are read again as
    records of their own.
    """
    bad = split.bad_shape
    runaway = bad.filter(
        pl.col("_raw_text").str.contains("\n", literal=True)
        & (
            (pl.col("_raw_text").str.count_matches('"', literal=True) % 2 == 1)
            | pl.col("_reason").str.starts_with("a quote")
        )
    )
    if runaway.is_empty():
        return split
    fields, kept_bad = [split.fields], [bad.join(runaway, on="_line_number", how="anti")]
    header_line = data.split(b"\n", 1)[0].rstrip(b"\r")
    for row in runaway.iter_rows(named=True):  # one per unclosed quote, not per row
        first, rest = row["_raw_text"].split("\n", 1)
        kept_bad.append(
            pl.DataFrame(
                {
                    "_line_number": [row["_line_number"]],
                    "_raw_text": [first.rstrip("\r")],
                    "_field_count": [row["_field_count"]],
                    "_reason": ["a quote opened in this row is never closed properly"],
                },
                schema=bad.schema,
            )
        )
        if not rest.strip():
            continue
        sub = split_csv(header_line + b"\n" + rest.encode("utf-8"))
        shift = pl.col("_line_number") + (row["_line_number"] - 1)
        fields.append(sub.fields.with_columns(shift))
        kept_bad.append(sub.bad_shape.with_columns(shift))
    return SplitFile(
        header=split.header,
        fields=pl.concat(fields, how="vertical_relaxed").sort("_line_number"),
        bad_shape=pl.concat(kept_bad, how="vertical_relaxed").sort("_line_number"),
    )


def _split_header(buf: npt.NDArray[np.uint8], start: int, end: int, commas: IntArray) -> list[str]:
    try:
        text = buf[start:end].tobytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CsvFileError(f"the header row is not valid UTF-8: {exc}") from exc
    lo, hi = np.searchsorted(commas, start), np.searchsorted(commas, end)
    cuts = [start, *(int(c) + 1 for c in commas[lo:hi]), end + 1]
    names = []
    for a, b in itertools.pairwise(cuts):
        name = buf[a : b - 1].tobytes().decode("utf-8").strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1].replace('""', '"')
        names.append(name.strip())
    if not text.strip():
        raise CsvFileError("the header row is empty")
    return names
