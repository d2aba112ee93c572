"""Command-line documents: ``imos document list CASE`` and ``imos document pdf ID``.

Run by the operator on the platform's own machine, audited as ``operator:<user>@<host>``
under a purpose, like an API read. The operator may read and download documents; it
never signs one (a signature is a person's act in a role: use the API).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from immigrationos.auth.principal import Principal
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine, session_scope
from immigrationos.documents import flows as documents_flows
from immigrationos.documents import serving

console = Console()
err = Console(stderr=True, soft_wrap=True)

document_app = typer.Typer(help="Legal documents of a case: list them, save a PDF.")
PurposeOption = Annotated[
    str, typer.Option(help="The purpose of this read (a purpose id; see imos purposes).")
]


def register(app: typer.Typer) -> None:
    """Add ``imos document`` to the command line."""
    app.add_typer(document_app, name="document")


@document_app.command("list")
def document_list(
    case_id: Annotated[str, typer.Argument(help="The case's ID (C and ten characters).")],
    purpose: PurposeOption,
) -> None:
    """List a case's documents: number, state, hash, who generated, signed and served them."""
    principal = Principal.operator(get_settings().operator)
    with session_scope(get_engine()) as session:
        try:
            found = documents_flows.list_of_case(session, principal, purpose, case_id)
        except documents_flows.DocumentError as exc:
            err.print(f"[red]refused:[/] {exc.detail}")
            raise typer.Exit(2) from exc
        history = serving.services(session, found)
        table = Table(title=f"documents of case {case_id}")
        for column in ("number", "form", "state", "sha256", "generated", "signed", "service"):
            table.add_column(column)
        for d in found:
            signed = f"{d.signed_by_name} {d.signed_at:%Y-%m-%d}" if d.signed_at else "-"
            served = "; ".join(
                f"{s.outcome} {s.method} {s.served_at:%Y-%m-%d}" for s in history[d.document_id]
            )
            table.add_row(
                d.number, d.form, d.state, d.sha256[:16],
                f"{d.generated_by_name} {d.generated_at:%Y-%m-%d}", signed, served or "-",
            )  # fmt: skip
    console.print(table)


@document_app.command("pdf")
def document_pdf(
    document_id: Annotated[str, typer.Argument(help="The document's ID (D and ten characters).")],
    purpose: PurposeOption,
    out: Annotated[Path, typer.Option(help="Where to write the PDF.")],
) -> None:
    """Save a document's PDF (checked against its stored SHA-256; audited)."""
    principal = Principal.operator(get_settings().operator)
    with session_scope(get_engine()) as session:
        try:
            found = documents_flows.download(session, principal, purpose, document_id)
        except documents_flows.DocumentError as exc:
            err.print(f"[red]refused:[/] {exc.detail}")
            raise typer.Exit(2) from exc
    out.write_bytes(found.pdf)
    console.print(
        f"{found.document.number} ({found.document.state}) -> {out}  sha256 {found.document.sha256}"
    )
