"""Command-line system card: ``imos oversight system-card --out PATH``.

Writes the system card (``oversight.system_card``) from the live configuration and the
latest measurements: ``PATH.md`` or ``PATH.pdf`` alone, or both beside another name. The
command joins the ``imos oversight`` group when ``cli_oversight`` has registered it
(register this after it), or registers the group itself. Audited as
``oversight.system_card``: the card holds no person data, only counts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from immigrationos.audit import flows as audit_flows
from immigrationos.auth.principal import Principal
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine, session_scope
from immigrationos.oversight import system_card
from immigrationos.oversight.system_card import SystemCard
from immigrationos.targeting.policy import PolicyError, load_policy

console = Console()
err = Console(stderr=True, soft_wrap=True)
GROUP = "oversight"


def _group(app: typer.Typer) -> typer.Typer:
    """Return the ``oversight`` group of ``app``, adding it when nobody has yet."""
    for info in app.registered_groups:
        if info.name == GROUP and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help="Oversight: the system card, bias and automation-bias reports.")
    app.add_typer(group, name=GROUP)
    return group


def register(app: typer.Typer) -> None:
    """Add ``imos oversight system-card`` to the command line."""
    _group(app).command("system-card")(system_card_command)


def _card(
    policy: Path | None, measurements: Path | None, bias: Path | None, live: bool
) -> SystemCard:
    chosen = load_policy(policy)
    if not live:
        return system_card.build_card(policy=chosen, measurements_path=measurements, bias_path=bias)
    try:
        with session_scope(get_engine()) as session:
            return system_card.build_card(
                session=session, policy=chosen, measurements_path=measurements, bias_path=bias
            )
    except SQLAlchemyError as exc:
        err.print(f"[yellow]the database cannot be read ({exc.__class__.__name__}): the card "
                  "leaves out the latest runs and leads[/yellow]")  # fmt: skip
        return system_card.build_card(policy=chosen, measurements_path=measurements, bias_path=bias)


def system_card_command(
    out: Annotated[
        Path,
        typer.Option(help="Where to write it: PATH.md, PATH.pdf, or both beside another name."),
    ],
    policy: Annotated[
        Path | None,
        typer.Option(help="The priority policy file in force (the shipped one by default)."),
    ] = None,
    measurements: Annotated[
        Path | None,
        typer.Option(help="The measurements file (docs/measurements.json by default)."),
    ] = None,
    bias: Annotated[
        Path | None,
        typer.Option(help="A bias report (JSON; docs/bias-report.json by default, if any)."),
    ] = None,
    live: Annotated[
        bool, typer.Option(help="Read the latest runs and leads by state from the database.")
    ] = True,
) -> None:
    """Write the system card: intended use, sources, policy, accuracy, impact assessment."""
    try:
        card = _card(policy, measurements, bias, live)
        written = system_card.write_card(card, out)
    except (PolicyError, ValueError, OSError) as exc:
        err.print(f"[red]system card not written:[/red] {exc}")
        raise typer.Exit(1) from exc
    principal = Principal.operator(get_settings().operator)
    try:
        audit_flows.record(
            get_engine(),
            actor=principal.actor,
            actor_role=principal.role,
            action="oversight.system_card",
            resource_type="policy",
            resource_id=card.policy["version"],
            details={
                "policy_sha256": card.policy["sha256"],
                "files": [str(p) for p in written],
                "measurements": card.measurements_path,
            },
        )
    except SQLAlchemyError:
        err.print("[yellow]the audit log cannot be written: the card is not audited[/yellow]")
    for path in written:
        console.print(f"wrote {path}")
    console.print(
        f"policy {card.policy['version']} (sha256 {card.policy['sha256'][:12]}...), "
        f"{len(card.sources)} sources, {len(card.detectors)} detectors measured"
    )
