"""The one place that decides whether a source, or a record, may be used: pure, no database.

Every decision fails closed and carries the rule, the law and a reason a person can
act on. Callers gather a ``UseContext`` (``flows.load_context``) and ask:

- ``decide_source`` before looking at any record (a whole source refused);
- ``decide_record`` for each record (the subjects an authorization names, a state's
  warrant requirement, confidential forms, what may be served on the person);
- ``plan_batch`` for a batch analysis, which runs without the sources it may not use
  and says why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from immigrationos.config import get_settings
from immigrationos.policy import kinds
from immigrationos.policy.context import (
    AuthorizationView,
    BatchPlan,
    Decision,
    PurposeView,
    UseContext,
)
from immigrationos.policy.kinds import (
    KIND_LABELS,
    AuthorizationKind,
    PurposeKind,
    RuleKind,
    Use,
)
from immigrationos.policy.policyfile import PolicyDocument, RuleSpec, SourcePolicy
from immigrationos.policy.policyfile import read_policy_file as _read_policy_file
from immigrationos.policy.reasons import DONE, HOW_TO_DECLARE, join_words, why_not
from immigrationos.policy.subjects import any_subject_matches

__all__ = [
    "AuthorizationView",
    "BatchPlan",
    "DataUsePolicy",
    "Decision",
    "PurposeView",
    "Use",
    "UseContext",
    "get_policy",
    "load_policy",
]


class DataUsePolicy:
    """The data-use policy in force: the rules of each source, and the decisions they give."""

    def __init__(self, document: PolicyDocument, *, origin: str = "(in memory)") -> None:
        self.document = document
        self.origin = origin
        self._sources: dict[str, SourcePolicy] = dict(document.sources)
        self._citations: dict[str, str] = {}  # describe_source's, by source, once

    # -- what the policy says -------------------------------------------------------------

    @property
    def sources(self) -> tuple[str, ...]:
        """Return the sources the policy governs."""
        return tuple(self._sources)

    def source_policy(self, source: str) -> SourcePolicy | None:
        """Return the rules of one source (None for a source the policy does not know)."""
        return self._sources.get(source)

    def describe_source(self, source: str) -> dict[str, str]:
        """Return a source's rule kinds, the law they cite and what they mean, for display."""
        entry = self._sources.get(source)
        if entry is None:
            return {"rule": kinds.UNKNOWN_SOURCE, "citation": "", "explanation": "not governed"}
        return {
            "rule": ", ".join(r.kind.value for r in entry.rules),
            "citation": "; ".join(r.citation for r in entry.rules),
            "explanation": entry.explanation,
        }

    def never_revealed_to_subject(self, source: str) -> bool:
        """Return whether a source's records (or their existence) never reach the person."""
        entry = self._sources.get(source)
        return entry is None or entry.rule(RuleKind.NEVER_SERVED_ON_SUBJECT) is not None

    # -- decisions ------------------------------------------------------------------------

    def decide_source(self, ctx: UseContext, source: str, use: Use) -> Decision:
        """Decide whether ``source`` may be used at all for ``use`` in ``ctx``."""
        use = Use(use)
        return self._conceal(ctx, source, use, self._decide_source(ctx, source, use))

    def decide_record(
        self, ctx: UseContext, source: str, record: Mapping[str, Any], use: Use
    ) -> Decision:
        """Decide whether one record of ``source`` may be used for ``use`` in ``ctx``."""
        use = Use(use)
        return self._conceal(ctx, source, use, self._decide_record(ctx, source, record, use))

    def record_fields(self, ctx: UseContext, source: str, use: Use) -> frozenset[str] | None:
        """Return the record fields ``decide_record`` depends on for ``source`` and ``use``.

        An empty set: none, every record gets ``decide_source``'s decision, so a caller
        may decide once per source and read no record. A set: the decision of a record
        cut down to those fields (a missing field and a null one are the same to it) is
        that of the whole record. None: it may depend on any field (the subjects an
        authorization names are matched), so pass the whole record.
        """
        use = Use(use)
        entry = self._sources.get(source)
        if entry is None or entry.rule(RuleKind.AGGREGATE_ONLY) is not None:
            return frozenset()
        if not self._decide_source(ctx, source, use).allowed:
            return frozenset()
        # Mirrors _decide_record: each rule that looks at a column names the record in its
        # refusal (record_id).
        fields: set[str] = set()
        for rule in entry.rules:
            looks = rule.kind is RuleKind.STATE_WARRANT_REQUIRED or use in rule.refuses
            if rule.column and looks:
                fields.update((rule.column, "record_id"))
        forms = entry.rule(RuleKind.CONFIDENTIAL_FORMS)
        if forms is not None and forms.column is not None and use in forms.refuses:
            fields.update((forms.column, "record_id"))
        warrant = entry.rule(RuleKind.STATE_WARRANT_REQUIRED)
        if warrant is not None and warrant.column is not None:
            fields.update((warrant.column, "record_id"))
            usable = self._usable(ctx, source, warrant.accepted)
            if any(not a.states.isdisjoint(warrant.states) for a in usable):
                return None  # a warrant of a listed state is matched to the record's subject
        if entry.rule(RuleKind.AUTHORIZATION_REQUIRED) is not None:
            return None  # the record's subject is matched to those authorizations name
        return frozenset(fields)

    def _conceal(self, ctx: UseContext, source: str, use: Use, decision: Decision) -> Decision:
        """Hide the existence of refused records from whoever must not learn of them.

        Whatever the rule that refused it: to a user without the source's grant, and
        in what is served on the person for a source never served on them.
        """
        entry = self._sources.get(source)
        if decision.allowed or not decision.reveal_existence or entry is None:
            return decision
        grant = entry.rule(RuleKind.ACCESS_GRANT_REQUIRED)
        no_grant = grant is not None and grant.grant not in ctx.principal.grants
        never_served = use is Use.SERVE_ON_SUBJECT and self.never_revealed_to_subject(source)
        return replace(decision, reveal_existence=False) if no_grant or never_served else decision

    def _decide_source(self, ctx: UseContext, source: str, use: Use) -> Decision:
        entry = self._sources.get(source)
        if entry is None:
            return Decision(
                False,
                source,
                kinds.UNKNOWN_SOURCE,
                f"{source} is not in the data-use policy ({self.origin}), so it is not used. "
                "Ask the policy's owner to give it rules.",
                "data-use policy: a source without rules is refused",
            )
        aggregate = entry.rule(RuleKind.AGGREGATE_ONLY)
        if aggregate is not None:
            if use is Use.AGGREGATE:
                return self._allow(source, entry, f"{source} may be used for counts by area.")
            return self._refuse(
                source,
                aggregate,
                f"{source} holds aggregate statistics only and is never joined to a person "
                f"({aggregate.citation}), so it may not be {DONE[use]} per person or used in "
                "an analysis of persons. Use it for counts by area (AGGREGATE) only.",
            )
        refusal = self._check_purpose(ctx, source)
        if refusal is not None:
            return refusal
        grant = entry.rule(RuleKind.ACCESS_GRANT_REQUIRED)
        if grant is not None and grant.grant not in ctx.principal.grants:
            return self._refuse(
                source,
                grant,
                f"{source} is Bank Secrecy Act data, open only to users an administrator has "
                f"granted {grant.grant} access ({grant.citation}); you hold no such grant. If "
                "your work needs it, ask an administrator to grant it, with the reason.",
                reveal_existence=False,
            )
        served = entry.rule(RuleKind.NEVER_SERVED_ON_SUBJECT)
        if served is not None and use is Use.SERVE_ON_SUBJECT:
            return self._refuse(
                source,
                served,
                f"{source} records, and the fact that any exist, never appear in anything "
                f"served on or given to the person ({served.citation}). Leave them out; the "
                "document must not refer to them.",
                reveal_existence=False,
            )
        for rule in entry.rules:
            if rule.kind is RuleKind.NO_DISCLOSURE and use in rule.refuses:
                return self._refuse(
                    source,
                    rule,
                    f"{source} records are not disclosed outside the agency by the platform "
                    f"({rule.citation}). {rule.explanation}",
                )
        authorization = entry.rule(RuleKind.AUTHORIZATION_REQUIRED)
        if authorization is not None:
            return self._check_authorization(ctx, source, entry, authorization)
        return self._allow(
            source, entry, f"{source} may be {DONE[use]} under purpose {self._label(ctx)}."
        )

    def _decide_record(
        self, ctx: UseContext, source: str, record: Mapping[str, Any], use: Use
    ) -> Decision:
        decision = self._decide_source(ctx, source, use)
        entry = self._sources.get(source)
        if not decision.allowed or entry is None or entry.rule(RuleKind.AGGREGATE_ONLY):
            return decision
        for rule in entry.rules:
            # Fail closed: a record without the column a rule looks at cannot be cleared.
            looks = rule.kind is RuleKind.STATE_WARRANT_REQUIRED or use in rule.refuses
            if rule.column and looks and not str(record.get(rule.column) or "").strip():
                return self._refuse(
                    source,
                    rule,
                    f"{source} record {record.get('record_id')} has no {rule.column}, so the "
                    f"platform cannot tell whether {rule.citation} protects it. Use the whole "
                    "record as ingested.",
                )
        forms = entry.rule(RuleKind.CONFIDENTIAL_FORMS)
        if forms is not None and forms.column is not None:
            form = str(record.get(forms.column) or "").strip().upper()
            if form in forms.forms and use in forms.refuses:
                why = forms.forms[form]
                return self._refuse(
                    source,
                    forms,
                    f"{source} record {record.get('record_id')} is a Form {form}: {why.explanation} "
                    f"It is confidential ({why.citation}) and may not be {DONE[use]}; it may "
                    "still be read inside the agency under your purpose. Leave it out.",
                    citation=why.citation,
                )
        warrant = entry.rule(RuleKind.STATE_WARRANT_REQUIRED)
        if warrant is not None and warrant.column is not None:
            state = str(record.get(warrant.column) or "").strip().upper()
            if state in warrant.states:
                decision = self._state_warrant(ctx, source, record, warrant, state)
                if not decision.allowed:
                    return decision
        authorization = entry.rule(RuleKind.AUTHORIZATION_REQUIRED)
        if authorization is not None:
            return self._check_subject(ctx, source, record, authorization, decision)
        return decision

    def plan_batch(self, ctx: UseContext, sources: Iterable[str], analysis: str) -> BatchPlan:
        """Return which of ``sources`` the batch ``analysis`` may use, and why not the rest."""
        allowed: list[str] = []
        withheld: dict[str, Decision] = {}
        record_rules: dict[str, str] = {}
        for source in dict.fromkeys(sources):
            decision = self.decide_source(ctx, source, Use.ANALYSE)
            if not decision.allowed:
                withheld[source] = decision
                continue
            allowed.append(source)
            note = self._record_rule_note(source)
            if note:
                record_rules[source] = note
        return BatchPlan(analysis, tuple(allowed), withheld, record_rules)

    # -- the rules ------------------------------------------------------------------------

    def _check_purpose(self, ctx: UseContext, source: str) -> Decision | None:
        entry = self._sources[source]
        rule = entry.rule(RuleKind.PURPOSE_REQUIRED)
        citation = rule.citation if rule else "5 U.S.C. § 552a(b)(1), (e)(1) (Privacy Act)"
        purpose = ctx.purpose
        if purpose is None:
            return Decision(
                False,
                source,
                RuleKind.PURPOSE_REQUIRED.name,
                f"{source} is person data and is used only under a declared purpose; none was "
                f"given. {HOW_TO_DECLARE}",
                citation,
            )
        if purpose.closed:
            return Decision(
                False,
                source,
                kinds.PURPOSE_CLOSED,
                f"purpose {purpose.label} is closed, so no data is used under it any more. "
                f"If the work continues, declare a new purpose. {HOW_TO_DECLARE}",
                citation,
            )
        area = ctx.principal.area()
        if area is not None and purpose.field_office not in area:
            office = purpose.field_office or "no field office (a national purpose)"
            return Decision(
                False,
                source,
                kinds.PURPOSE_OUT_OF_AREA,
                f"purpose {purpose.label} belongs to {office}, not to your field office(s) "
                f"({join_words(area) or 'none'}). Use a purpose of your own office, or declare one.",
                citation,
            )
        return None

    def _check_authorization(
        self, ctx: UseContext, source: str, entry: SourcePolicy, rule: RuleSpec
    ) -> Decision:
        purpose = ctx.purpose
        assert purpose is not None  # _check_purpose ran first
        wanted = join_words([KIND_LABELS[k] for k in rule.accepted])
        if rule.purpose_kinds and purpose.kind not in rule.purpose_kinds:
            kinds_text = join_words([k.value for k in rule.purpose_kinds])
            return Decision(
                False,
                source,
                kinds.PURPOSE_KIND,
                f"{source} records may be used only under a purpose of kind {kinds_text} "
                f"({rule.citation}); purpose {purpose.label} is a {purpose.kind} purpose. Work "
                f"without them, or, for a {kinds_text}, declare one and ask the agency's "
                f"counsel to record {wanted} naming it.",
                rule.citation,
            )
        usable = self._usable(ctx, source, rule.accepted)
        if usable:
            names = join_words([a.reference for a in usable], "and")
            return self._allow(
                source,
                entry,
                f"{source} may be used under purpose {purpose.label}, for the subjects named "
                f"by {names}.",
                authorization_id=usable[0].id,
            )
        return self._refuse(
            source,
            rule,
            f"{source} records need {wanted} naming this purpose ({purpose.label}); none is on "
            f"record.{why_not(ctx, source, rule.accepted)} Ask the agency's counsel to "
            "record one.",
        )

    def _check_subject(
        self,
        ctx: UseContext,
        source: str,
        record: Mapping[str, Any],
        rule: RuleSpec,
        decision: Decision,
    ) -> Decision:
        for auth in self._usable(ctx, source, rule.accepted):
            if any_subject_matches(auth.subjects, source, record):
                return Decision(
                    True,
                    source,
                    kinds.ALLOWED,
                    f"{source} record {record.get('record_id')} is about a subject named by "
                    f"{auth.reference}.",
                    decision.citation,
                    authorization_id=auth.id,
                )
        names = join_words([a.reference for a in self._usable(ctx, source, rule.accepted)], "and")
        return self._refuse(
            source,
            rule,
            f"{source} record {record.get('record_id')} is not about a person named by {names} "
            f"({rule.citation}); an authorization covers only the taxpayers it names. If this "
            "person belongs to the investigation, ask the agency's counsel to record an "
            "authorization naming them.",
        )

    def _state_warrant(
        self,
        ctx: UseContext,
        source: str,
        record: Mapping[str, Any],
        rule: RuleSpec,
        state: str,
    ) -> Decision:
        found = self._state_warrants(ctx, source, record, rule, state)
        record_id = record.get("record_id")
        if found:
            return Decision(
                True,
                source,
                kinds.ALLOWED,
                f"{source} record {record_id} from {state} is covered by "
                f"{KIND_LABELS[found[0].kind]} {found[0].reference}.",
                rule.states[state],
                authorization_id=found[0].id,
            )
        wanted = join_words([KIND_LABELS[k] for k in rule.accepted])
        return self._refuse(
            source,
            rule,
            f"{source} record {record_id} is from {state}, whose law requires {wanted} before "
            f"its records are used for immigration enforcement ({rule.states[state]}). None on "
            f"record names this purpose ({self._label(ctx)}), {state} and this person."
            f"{why_not(ctx, source, rule.accepted, state=state)} Ask the agency's counsel "
            "to record one, or work without this record.",
            citation=rule.states[state],
        )

    def _state_warrants(
        self,
        ctx: UseContext,
        source: str,
        record: Mapping[str, Any],
        rule: RuleSpec,
        state: str,
    ) -> list[AuthorizationView]:
        return [
            a
            for a in self._usable(ctx, source, rule.accepted)
            if state in a.states and any_subject_matches(a.subjects, source, record)
        ]

    def _usable(
        self, ctx: UseContext, source: str, accepted: Iterable[AuthorizationKind]
    ) -> list[AuthorizationView]:
        """Return the authorizations that count here: accepted kind, active, naming it all."""
        purpose = ctx.purpose
        if purpose is None or purpose.closed:
            return []
        accepted_kinds = {k.value for k in accepted}
        return [
            a
            for a in ctx.authorizations
            if a.kind in accepted_kinds
            and a.kind != AuthorizationKind.ADMINISTRATIVE_WARRANT
            and a.active_on(ctx.today)
            and source in a.sources
            and purpose.id in a.purpose_ids
            # A § 6103(i) instrument serves criminal matters only, whatever the file says.
            and (
                a.kind not in kinds.IRC_6103_KINDS
                or purpose.kind == PurposeKind.CRIMINAL_INVESTIGATION
            )
        ]

    def _record_rule_note(self, source: str) -> str:
        entry = self._sources[source]
        notes = []
        if entry.rule(RuleKind.AUTHORIZATION_REQUIRED):
            notes.append("only records of the subjects the authorization names")
        warrant = entry.rule(RuleKind.STATE_WARRANT_REQUIRED)
        if warrant is not None:
            notes.append(
                f"records from {join_words(sorted(warrant.states))} only where a judicial warrant or "
                "court order names the state and the person"
            )
        return "; ".join(notes)

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def _label(ctx: UseContext) -> str:
        return ctx.purpose.label if ctx.purpose else "none"

    def _allow(
        self,
        source: str,
        entry: SourcePolicy,
        reason: str,
        *,
        authorization_id: str | None = None,
    ) -> Decision:
        citation = self._citations.get(source)
        if citation is None:
            citation = self._citations[source] = self.describe_source(source)["citation"]
        return Decision(
            True, source, kinds.ALLOWED, reason, citation, authorization_id=authorization_id
        )

    @staticmethod
    def _refuse(
        source: str,
        rule: RuleSpec,
        reason: str,
        *,
        reveal_existence: bool = True,
        citation: str | None = None,
    ) -> Decision:
        return Decision(
            False,
            source,
            rule.kind.name,
            reason,
            citation or rule.citation,
            reveal_existence=reveal_existence,
        )


def load_policy(path: Path | None = None) -> DataUsePolicy:
    """Load and validate the policy of ``path`` (the bundled default when None)."""
    document, origin = _read_policy_file(path)
    return DataUsePolicy(document, origin=origin)


@lru_cache(maxsize=1)
def get_policy() -> DataUsePolicy:
    """Return the policy in force: IMOS_DATA_USE_POLICY, else the bundled default (cached)."""
    return load_policy(get_settings().data_use_policy)
