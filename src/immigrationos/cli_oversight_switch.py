"""Command-line stop switch and policy submission: ``imos oversight switch`` and
``imos oversight policy-submit PATH``.

The operator may read the switch and submit a priority-policy text to go live (as its
author), never suspend, resume or sign off: those are the OVERSIGHT role's (and, for
sign-off, LEGAL's), through the API or the page ``/oversight/switch``. Joins the ``imos
oversight`` group whoever registers it first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from immigrationos.auth.principal import Principal
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine
from immigrationos.oversight import signoff, switch

console = Console()
err = Console(stderr=True, soft_wrap=True)
GROUP = "oversight"


def _group(app: typer.Typer) -> typer.Typer:
    """Return the ``oversight`` group of ``app``, adding it when nobody has yet."""
    for info in app.registered_groups:
        if info.name == GROUP and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help="Oversight: the stop switch, policy sign-off, reports.")
    app.add_typer(group, name=GROUP)
    return group


def register(app: typer.Typer) -> None:
    """Add ``imos oversight switch`` and ``imos oversight policy-submit``."""
    group = _group(app)
    group.command("switch")(show_switch)
    group.command("policy-submit")(policy_submit)


def show_switch() -> None:
    """Say what is suspended (targeting, detectors, policy versions)."""
    state = switch.read(get_engine())
    if not state.suspended:
        console.print("Nothing is suspended: targeting runs normally.")
        return
    for s in state.suspensions:
        console.print(f"[bold red]SUSPENDED[/bold red] {s.describe()}")


def policy_submit(
    path: Annotated[Path, typer.Argument(help="The priority-policy YAML file to submit.")],
) -> None:
    """Submit a priority-policy text to go live; an independent reviewer must sign it off."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        err.print(f"[red]{path}: cannot read the policy: {exc}[/red]")
        raise typer.Exit(1) from exc
    operator = Principal.operator(get_settings().operator)
    try:
        row = signoff.submit(get_engine(), principal=operator, text=data, path=str(path))
    except signoff.SignOffError as exc:
        err.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(1) from exc
    console.print(
        f"Submitted {row.policy} version {row.version}, sha256 {row.sha256}. It cannot go live "
        f"until a user of the {' or '.join(signoff.SIGNOFF_ROLES)} role other than you signs it "
        "off (POST /api/v1/oversight/policy-signoffs, or the page /oversight/switch)."
    )
