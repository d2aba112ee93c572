"""Benchmark: read I-9 records from CSV (and audit them), fill and read filled PDF forms.

Goals (issue 8): at least 5,000 I-9 records per second from CSV, end to end with the
audit, and at least 20 filled PDFs read per second, on the 2-core machine. Prints the
figures; asserts nothing. Wall and CPU seconds are both printed: other work on a shared
machine slows the wall clock, not the CPU time of this process.

    python bench/worksite_io.py [--forms 20000] [--pdfs 200] [--seed 20261127]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from immigrationos.worksite import audit, generator, io_csv, pdf_form
from immigrationos.worksite.model import AuditContext, Mode
from machine import header


class _Clock:
    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def _rate(label: str, n: int, wall: float, cpu: float) -> None:
    print(
        f"{label:<44} {n:>6} in {wall:7.2f} s wall ({n / wall:8.0f}/s), "
        f"{cpu:7.2f} s CPU ({n / cpu:8.0f}/s)"
    )


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--forms", type=int, default=20_000)
    parser.add_argument("--pdfs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args()
    header("worksite I-9 input")
    with tempfile.TemporaryDirectory(prefix="imos-bench-i9-") as tmp:
        out = Path(tmp)
        clock = _Clock()
        gset = generator.generate(args.seed, args.forms)
        _rate("generate forms", args.forms, *clock.stop())
        clock = _Clock()
        io_csv.write_forms_csv(gset.forms, out / "forms.csv")
        _rate("write forms.csv", args.forms, *clock.stop())
        size = (out / "forms.csv").stat().st_size
        print(f"forms.csv: {size / 1e6:.1f} MB, {len(io_csv.FORM_COLUMNS)} columns")

        clock = _Clock()
        forms = io_csv.read_forms_csv(out / "forms.csv")
        _rate("read forms.csv", len(forms), *clock.stop())

        roster = gset.roster_map()
        for mode in (Mode.SELF, Mode.INSPECTION):
            clock = _Clock()
            forms = io_csv.read_forms_csv(out / "forms.csv")
            ctx = AuditContext(
                audit_date=gset.audit_date,
                employer=gset.employer,
                roster=roster,
                mode=mode,
                records=gset.government if mode is Mode.INSPECTION else None,
            )
            result = audit.audit_forms(forms, ctx)
            _rate(f"read forms.csv + audit ({mode.value})", len(forms), *clock.stop())
            ev = generator.evaluate(result, gset.truth)
            print(
                f"  {mode.value}: recall {ev.recall:.4f} ({ev.truth} seeded), precision "
                f"{ev.precision:.4f} ({ev.found} found), clean forms flagged "
                f"{len(ev.clean_flagged)}"
            )

        pdf_forms = [f for f in gset.forms if not pdf_form.unrepresentable(f)][: args.pdfs]
        pdf_form.fill(pdf_forms[0])  # the template is parsed once per process
        clock = _Clock()
        blobs = [pdf_form.fill(f) for f in pdf_forms]
        _rate("fill PDFs", len(blobs), *clock.stop())
        (out / "pdf").mkdir()
        for form, blob in zip(pdf_forms, blobs, strict=True):
            (out / "pdf" / f"{form.form_id}.pdf").write_bytes(blob)
        print(f"filled PDF: {sum(map(len, blobs)) / len(blobs) / 1e3:.0f} kB each")
        clock = _Clock()
        read = [pdf_form.read(p, source=p.name) for p in sorted((out / "pdf").glob("*.pdf"))]
        _rate("read filled PDFs", len(read), *clock.stop())
        clock = _Clock()
        many = pdf_form.read_many([(p, p.name) for p in sorted((out / "pdf").glob("*.pdf"))])
        wall, _cpu = clock.stop()
        print(
            f"{'read filled PDFs (read_many, 2 processes)':<44} {len(many):>6} in {wall:7.2f} s "
            f"wall ({len(many) / wall:8.0f}/s)"
        )
        originals = {f.form_id: f for f in pdf_forms}
        same = 0
        for f in read:
            f.source = originals[f.form_id].source
            same += f == originals[f.form_id]
        print(f"  read back field for field: {same} of {len(read)}")


if __name__ == "__main__":
    main()
