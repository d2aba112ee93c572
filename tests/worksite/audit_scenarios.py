"""Audit-completeness scenarios of the worksite routes, for ``tests/api/test_audit_completeness``.

``worksite_scenarios(api, folder)`` returns, for every worksite route, a call that
succeeds and the purpose its audit event must name (None: the route needs none), in the
shape that test's ``scenarios`` dict takes. The calls depend on each other in order
(upload, then inspection, attach, notice, its PDF, the fine), so keep the dict's order.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.conftest import Api
from immigrationos.worksite import generator

Scenario = tuple[Callable[[], Any], str | None]


def worksite_scenarios(api: Api, folder: Path) -> dict[tuple[str, str], Scenario]:
    """Return a successful, audited call of each worksite route, in dependency order."""
    gset = generator.generate(5, 8)
    generator.write_set(gset, folder, pdf_every=0)
    auditor = api.user("WORKSITE_AUDITOR")
    made = api.client.post(
        "/api/v1/purposes",
        json={"kind": "BATCH", "reference": "WS-AUD", "title": "Form I-9 inspection",
              "justification": "audit completeness"},
        headers=auditor.headers,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    pid = str(made.json()["id"])
    h = auditor.with_purpose(pid)
    state: dict[str, Any] = {}

    def upload() -> Any:
        r = api.client.post(
            "/api/v1/worksite/audits",
            files=[
                ("files", ("forms.csv", (folder / "forms.csv").read_bytes(), "text/csv")),
                ("roster", ("roster.csv", (folder / "roster.csv").read_bytes(), "text/csv")),
            ],
            data={"audit_date": "2026-11-27"},
            headers=h,
        )
        state["audit_id"] = r.json()["audit_id"]
        return r

    def inspect() -> Any:
        r = api.client.post(
            "/api/v1/worksite/inspections",
            json={"employer_name": gset.employer.name, "noi_served_on": "2026-12-01"},
            headers=h,
        )
        state["inspection_id"] = r.json()["inspection_id"]
        return r

    def notice() -> Any:
        r = api.client.post(
            f"/api/v1/worksite/inspections/{state['inspection_id']}/notices",
            json={"kind": "warning_notice", "issued_on": "2026-12-10"},
            headers=h,
        )
        state["notice_id"] = r.json()["id"]
        return r

    def get(path: Callable[[], str], headers: dict[str, str] = h) -> Callable[[], Any]:
        return lambda: api.client.get(path(), headers=headers)

    audits, inspections = "/api/v1/worksite/audits", "/api/v1/worksite/inspections"
    return {
        ("POST", audits): (upload, pid),
        ("GET", audits): (get(lambda: audits), pid),
        ("GET", f"{audits}/{{audit_id}}"): (get(lambda: f"{audits}/{state['audit_id']}"), pid),
        ("GET", f"{audits}/{{audit_id}}/report"): (
            get(lambda: f"{audits}/{state['audit_id']}/report"),
            pid,
        ),
        ("POST", inspections): (inspect, pid),
        ("GET", inspections): (get(lambda: inspections), pid),
        ("GET", f"{inspections}/{{inspection_id}}"): (
            get(lambda: f"{inspections}/{state['inspection_id']}"),
            pid,
        ),
        ("POST", f"{inspections}/{{inspection_id}}/audit"): (
            lambda: api.client.post(
                f"{inspections}/{state['inspection_id']}/audit",
                json={"audit_id": state["audit_id"]},
                headers=h,
            ),
            pid,
        ),
        ("POST", f"{inspections}/{{inspection_id}}/notices"): (notice, pid),
        ("GET", f"{inspections}/{{inspection_id}}/notices/{{notice_id}}"): (
            get(lambda: f"{inspections}/{state['inspection_id']}/notices/{state['notice_id']}"),
            pid,
        ),
        ("GET", f"{inspections}/{{inspection_id}}/fine"): (
            get(lambda: f"{inspections}/{state['inspection_id']}/fine"),
            pid,
        ),
    }
