"""The system card: what the platform is and how well it works, written by the platform.

``build_card`` gathers, from the live configuration and the latest measurements, what the
EU AI Act asks a provider to tell the deployer (Art. 13 instructions for use, Art. 11 and
Annex IV technical documentation) and what a deployer's fundamental-rights impact
assessment (Art. 27) and an OMB M-25-21 AI impact assessment need:

- the priority policy in force (version, SHA-256, factors), read as a targeting run reads
  it, so a new policy version changes the card;
- the data-use policy in force: each source with its rules and the law they encode;
- the measured accuracy of resolution and of each detector (``docs/measurements.json``,
  copied from ``docs/benchmarks.md``; each figure names where it comes from);
- per-group performance, when a bias report exists (a JSON file);
- the known failure conditions, the oversight measures and the logs kept;
- with a database, what the platform holds now: the latest runs and leads by state.

``render_markdown`` and ``render_pdf`` write it; ``imos oversight system-card`` calls them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from immigrationos import __version__
from immigrationos.documents import render
from immigrationos.oversight import signoff
from immigrationos.policy import engine as policy_engine
from immigrationos.policy.engine import DataUsePolicy
from immigrationos.resolution.models import ResolutionRun
from immigrationos.targeting.models import Lead, TargetingRun
from immigrationos.targeting.policy import PriorityPolicy, load_policy

TEMPLATES = Path(__file__).parent / "templates"
# The repository's docs folder (a source checkout); an installed platform passes paths.
DOCS = Path(__file__).resolve().parents[3] / "docs"
MEASUREMENTS = DOCS / "measurements.json"
BIAS_REPORT = DOCS / "bias-report.json"
TITLE = "ImmigrationOS system card"


@dataclass(frozen=True)
class SystemCard:
    """Everything the card says, gathered once; the templates only lay it out."""

    generated_at: dt.datetime
    platform_version: str
    policy: dict[str, Any]
    data_use: dict[str, Any]
    sources: list[dict[str, Any]]
    measurements: dict[str, Any] | None
    measurements_path: str
    resolution: list[dict[str, Any]]
    detectors: list[dict[str, Any]]
    bias: dict[str, Any] | None
    bias_path: str
    live: dict[str, Any]
    failure_conditions: list[dict[str, Any]] = field(default_factory=list)
    signoffs: list[dict[str, str]] = field(default_factory=list)

    def context(self) -> dict[str, Any]:
        """Return the card as a template context."""
        return {"card": self, "generated": self.generated_at.strftime("%Y-%m-%d %H:%M UTC")}


def _policy(policy: PriorityPolicy) -> dict[str, Any]:
    return {
        "name": policy.policy,
        "version": policy.version,
        "sha256": policy.sha256,
        "path": policy.path,
        "description": policy.description.strip(),
        "factors": [
            {
                "name": f.name,
                "kind": str(f.kind),
                "points": f.points,
                "basis": f.basis.strip(),
                "active": f.active,
                "inactive_reason": f.inactive_reason or "",
            }
            for f in policy.factors
        ],
    }


def _sources(data_use: DataUsePolicy) -> list[dict[str, Any]]:
    out = []
    for name in data_use.sources:
        entry = data_use.source_policy(name)
        if entry is None:
            continue
        out.append(
            {
                "source": name,
                "explanation": " ".join(entry.explanation.split()),
                "rules": [
                    {
                        "kind": str(r.kind),
                        "citation": r.citation,
                    }
                    for r in entry.rules
                ],
            }
        )
    return out


def _f1(p: float, r: float) -> float:
    return round(2 * p * r / (p + r), 3) if p + r else 0.0


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read it as JSON: {exc}") from exc
    if not isinstance(found, dict):
        raise ValueError(f"{path}: expected a JSON object at the top")
    return found


def _detectors(measurements: dict[str, Any]) -> list[dict[str, Any]]:
    """Return each detector's range of precision, recall and F1 over the measured worlds."""
    out = []
    for row in measurements.get("detectors", {}).get("rows", []):
        pairs = list(zip(row["precision"], row["recall"], strict=False))
        f1s = [_f1(p, r) for p, r in pairs]
        out.append(
            {
                "detector": row["detector"],
                "scope": row.get("scope", ""),
                "precision": (min(row["precision"]), max(row["precision"])),
                "recall": (min(row["recall"]), max(row["recall"])),
                "f1": (min(f1s), max(f1s)) if f1s else (0.0, 0.0),
                "worlds": len(pairs),
            }
        )
    return out


def _live(session: Session | None) -> dict[str, Any]:
    """Return what the platform holds now: the latest runs, leads by state (counts only)."""
    if session is None:
        return {"targeting_run": None, "resolution_run": None, "leads": {}}
    run = session.execute(
        select(TargetingRun).order_by(TargetingRun.started_at.desc()).limit(1)
    ).scalar_one_or_none()
    resolution = session.execute(
        select(ResolutionRun).order_by(ResolutionRun.started_at.desc()).limit(1)
    ).scalar_one_or_none()
    leads = dict(
        session.execute(
            select(Lead.state, func.count())
            .where(Lead.retired_at.is_(None))
            .group_by(Lead.state)
            .order_by(Lead.state)
        ).all()
    )
    return {
        "targeting_run": None
        if run is None
        else {
            "id": run.id,
            "started_at": run.started_at,
            "as_of": run.as_of,
            "policy_version": run.policy_version,
            "policy_sha256": run.policy_sha256,
            "persons": run.persons,
            "withheld_sources": json.loads(run.withheld_sources or "[]"),
        },
        "resolution_run": None
        if resolution is None
        else {
            "id": resolution.id,
            "started_at": resolution.started_at,
            "backend": resolution.backend,
            "threshold": resolution.threshold,
            "persons": resolution.persons,
        },
        "leads": {str(k): int(v) for k, v in leads.items()},
    }


def _signoffs(session: Session | None, policy: PriorityPolicy) -> list[dict[str, str]]:
    """Return the sign-offs of the policy text in force (the bundled ones without a database)."""
    if session is None:
        found = [s for s in signoff.bundled_signoffs() if s.sha256 == policy.sha256]
    else:
        found = signoff.signoffs_of(session, policy.sha256)
    return [s.to_dict() for s in found]


def build_card(
    *,
    session: Session | None = None,
    policy: PriorityPolicy | None = None,
    data_use: DataUsePolicy | None = None,
    measurements_path: Path | None = None,
    bias_path: Path | None = None,
    now: dt.datetime | None = None,
) -> SystemCard:
    """Return the system card of the live configuration and the latest measurements.

    Args:
        session: the operational database (the latest runs and leads); None leaves them out.
        policy: the priority policy in force (the shipped one if None).
        data_use: the data-use policy in force (``IMOS_DATA_USE_POLICY`` or the shipped one).
        measurements_path: the measurements file (``docs/measurements.json`` if None).
        bias_path: a bias report (JSON; ``docs/bias-report.json`` if None, left out when absent).
        now: the time of writing (now if None).

    Raises:
        ValueError: a measurements or bias file that is not a JSON object.
    """
    chosen = policy or load_policy()
    rules = data_use or policy_engine.get_policy()
    m_path = measurements_path or MEASUREMENTS
    b_path = bias_path or BIAS_REPORT
    measurements = _read_json(m_path)
    bias = _read_json(b_path)
    resolution = []
    for row in (measurements or {}).get("resolution", {}).get("worlds", []):
        resolution.append({**row, "f1_check": _f1(row["precision"], row["recall"])})
    meta = rules.document.policy
    return SystemCard(
        generated_at=now or dt.datetime.now(dt.UTC),
        platform_version=__version__,
        policy=_policy(chosen),
        data_use={
            "name": meta.name,
            "title": meta.title,
            "version": meta.version,
            "notice": " ".join(meta.notice.split()),
            "origin": rules.origin,
        },
        sources=_sources(rules),
        measurements=measurements,
        measurements_path=str(m_path),
        resolution=resolution,
        detectors=_detectors(measurements or {}),
        bias=bias,
        bias_path=str(b_path),
        live=_live(session),
        failure_conditions=list((measurements or {}).get("failure_conditions", [])),
        signoffs=_signoffs(session, chosen),
    )


def render_markdown(card: SystemCard) -> str:
    """Return the card as Markdown."""
    return (
        render.environment(str(TEMPLATES)).get_template("system_card.md").render(**card.context())
    )


def render_html(card: SystemCard) -> str:
    """Return the card as an HTML document (the PDF's source)."""
    return render.render_html(
        "system_card.html", {**card.context(), "document_title": TITLE}, search=(str(TEMPLATES),)
    )


def render_pdf(card: SystemCard) -> bytes:
    """Return the card as a PDF."""
    return render.render_pdf(
        "system_card.html", card.context(), title=TITLE, search=(str(TEMPLATES),)
    )


def write_card(card: SystemCard, out: Path) -> list[Path]:
    """Write the card to ``out``: ``.md`` or ``.pdf`` alone, or both beside any other name.

    Returns the files written.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    written: list[Path] = []
    if suffix in (".md", ".pdf"):
        targets = [out]
    else:
        targets = [out.with_suffix(".md"), out.with_suffix(".pdf")]
    for target in targets:
        if target.suffix.lower() == ".md":
            target.write_text(render_markdown(card), encoding="utf-8")
        else:
            target.write_bytes(render_pdf(card))
        written.append(target)
    return written
