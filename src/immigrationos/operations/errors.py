"""The refusal of an operation change: the HTTP status, a kind, and what was wrong."""

from __future__ import annotations

from immigrationos.auth.principal import Principal


class OperationError(ValueError):
    """An operation change that cannot be made: the HTTP status, a kind, and why."""

    def __init__(self, status: int, kind: str, detail: str, rule: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail, self.rule = status, kind, detail, rule


def not_found(operation_id: str, principal: Principal, rule: str | None = None) -> OperationError:
    """Return the 404 of an operation: the same words whether missing or out of the area."""
    where = "" if principal.area() is None else " in your area of responsibility"
    return OperationError(
        404, "operation-not-found", f"no operation {operation_id} is available to you{where}", rule
    )
