"""Command-line bias report: ``imos oversight report --out PATH.html|PATH.pdf|PATH.json``.

Measures the bias monitor (``oversight.bias``) over the platform's current persons,
leads and cases, against a synthetic world's ``truth/`` when given, and writes the
report: HTML with inline SVG charts, PDF, or the JSON the system card reads. The report
holds counts and rates by group, no person data; the run is audited as
``oversight.bias_report``. Registers the ``imos oversight`` group (register it before the
other oversight commands, which join it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from immigrationos.audit import flows as audit_flows
from immigrationos.auth.principal import Principal
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine
from immigrationos.oversight import bias
from immigrationos.oversight import report as bias_report
from immigrationos.targeting.policy import PolicyError, load_policy

console = Console()
err = Console(stderr=True, soft_wrap=True)
GROUP = "oversight"
SUFFIXES = (".html", ".htm", ".pdf", ".json")


def _group(app: typer.Typer) -> typer.Typer:
    """Return the ``oversight`` group of ``app``, adding it when nobody has yet."""
    for info in app.registered_groups:
        if info.name == GROUP and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help="Oversight: the system card, bias and automation-bias reports.")
    app.add_typer(group, name=GROUP)
    return group


def register(app: typer.Typer) -> None:
    """Add ``imos oversight report`` to the command line."""
    _group(app).command("report")(report_command)


def _references(values: list[str]) -> dict[str, str]:
    found = {}
    for value in values:
        attribute, sep, group = value.partition("=")
        if not sep or attribute not in bias.ATTRIBUTES or not group:
            raise typer.BadParameter(
                f"{value!r}: give ATTRIBUTE=GROUP, ATTRIBUTE one of {', '.join(bias.ATTRIBUTES)}"
            )
        found[attribute] = group
    return found


def report_command(
    out: Annotated[Path, typer.Option(help="Where to write it: PATH.html, PATH.pdf or PATH.json.")],
    purpose: Annotated[
        str | None, typer.Option(help="The purpose the report is made under (audited).")
    ] = None,
    truth: Annotated[
        Path | None,
        typer.Option(help="A synthetic world's folder (or its truth/): measure against it too."),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(help="The priority policy in force (the shipped one by default)."),
    ] = None,
    min_group: Annotated[int, typer.Option(min=1, help="Smallest group measured.")] = 30,
    band_low: Annotated[float, typer.Option(help="Lowest ratio without an alert.")] = 0.8,
    band_high: Annotated[float, typer.Option(help="Highest ratio without an alert.")] = 1.25,
    reference: Annotated[
        list[str] | None,
        typer.Option(help="A reference group, ATTRIBUTE=GROUP (default: the largest group)."),
    ] = None,
    priority_score: Annotated[
        int, typer.Option(min=0, max=100, help="Score from which an OPEN lead is prioritised.")
    ] = 50,
    n_boot: Annotated[int, typer.Option(min=50, help="Bootstrap draws.")] = 500,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 20261127,
) -> None:
    """Write the bias report: rates and disparity ratios by group, proxies, alerts."""
    if out.suffix.lower() not in SUFFIXES:
        err.print(f"[red]error:[/red] {out}: the file must end in .html, .pdf or .json")
        raise typer.Exit(2)
    if not 0 < band_low <= 1 <= band_high:
        err.print("[red]error:[/red] the band must hold 1: 0 < band-low <= 1 <= band-high")
        raise typer.Exit(2)
    settings = bias.BiasSettings(
        reference=_references(reference or []),
        min_group=min_group,
        band=(band_low, band_high),
        n_boot=n_boot,
        seed=seed,
        priority_score=priority_score,
    )
    engine = get_engine()
    try:
        measured = bias_report.measure(
            engine, settings=settings, truth=truth, policy=load_policy(policy)
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        bias_report.write(measured, out)
    except (PolicyError, ValueError, OSError, SQLAlchemyError) as exc:
        err.print(f"[red]bias report not written:[/red] {exc}")
        raise typer.Exit(1) from exc
    principal = Principal.operator(get_settings().operator)
    audit_flows.record(
        engine,
        actor=principal.actor,
        actor_role=principal.role,
        action="oversight.bias_report",
        resource_type="bias_report",
        purpose=purpose,
        details={
            "file": str(out),
            "persons": measured.persons,
            "alerts": len(measured.alerts),
            "likely_proxies": bias.likely_proxies(measured),
            "truth": str(truth) if truth else None,
        },
    )
    console.print(f"wrote {out}")
    _print(measured)


def _print(measured: bias.BiasReport) -> None:
    console.print(
        f"{measured.persons:,} persons; {len(measured.alerts)} alert(s)"
        + (" (with the synthetic world's truth)" if measured.truth else "")
    )
    if not measured.alerts:
        return
    table = Table("kind", "metric / factor", "attribute", "group", "ratio")
    for a in measured.alerts:
        ratio = f"{a.ratio:.2f}" if a.ratio is not None else "-"
        table.add_row(a.kind, a.metric, a.attribute, a.group, ratio)
    console.print(table)
