"""What the engine decides about: the purpose, authorizations and user of a use; decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from immigrationos.auth.principal import Principal
from immigrationos.policy.kinds import Use

__all__ = ["AuthorizationView", "BatchPlan", "Decision", "PurposeView", "Use", "UseContext"]


@dataclass(frozen=True)
class PurposeView:
    """The declared purpose a use runs under, as the engine sees it."""

    id: str
    kind: str
    reference: str
    title: str
    field_office: str | None
    closed: bool

    @property
    def label(self) -> str:
        """Return how reasons name the purpose: its id and reference."""
        return f"{self.id}, {self.reference}"


@dataclass(frozen=True)
class AuthorizationView:
    """A recorded authorization (order, request, warrant), as the engine sees it."""

    id: str
    kind: str
    reference: str
    sources: frozenset[str]
    purpose_ids: frozenset[str]
    subjects: tuple[tuple[str, str], ...]
    states: frozenset[str]
    expires_on: date | None
    revoked: bool

    def active_on(self, day: date) -> bool:
        """Return whether the authorization counts on ``day`` (not revoked, not expired)."""
        return not self.revoked and (self.expires_on is None or self.expires_on >= day)


@dataclass(frozen=True)
class UseContext:
    """Who uses data, under which purpose and authorizations, on which day."""

    principal: Principal
    purpose: PurposeView | None
    authorizations: tuple[AuthorizationView, ...] = ()
    today: date = field(default_factory=date.today)


@dataclass(frozen=True)
class Decision:
    """Whether a use is allowed, by which rule and law, and why, in words to act on.

    ``reveal_existence`` False means the records must not even be said to exist (to
    this user, or in what is served on the person).
    """

    allowed: bool
    source: str
    rule: str
    reason: str
    citation: str
    reveal_existence: bool = True
    authorization_id: str | None = None


@dataclass(frozen=True)
class BatchPlan:
    """The sources a batch analysis may use, those it runs without and why.

    ``record_rules`` says, for an allowed source, which of its records are still
    filtered one by one (``decide_record``).
    """

    analysis: str
    allowed: tuple[str, ...]
    withheld: dict[str, Decision]
    record_rules: dict[str, str] = field(default_factory=dict)

    def describe(self) -> list[str]:
        """Return one line per withheld or filtered source, to show with the results."""
        lines = [f"{self.analysis} ran without {s}: {d.reason}" for s, d in self.withheld.items()]
        lines += [f"{self.analysis} used {s} in part: {r}" for s, r in self.record_rules.items()]
        return lines
