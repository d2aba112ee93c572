"""Safeguards on every lead: what must suppress, hold or redirect a person's findings.

Each safeguard is a named function over a :class:`SafeguardContext` (the person's records,
their derived status, the findings, how firmly each record is linked to the person and
whose each SSN is) returning a :class:`SafeguardResult`. They are pure and are evaluated
again every time their inputs change. :func:`lead_state` combines them into the lead's
state. The invariant they exist for: **any citizenship evidence means the lead is never
OPEN** (:func:`citizenship_evidence` applies to every finding and always suppresses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from immigrationos.records.normalize import tokens
from immigrationos.resolution.names import given_table
from immigrationos.targeting.detectors.base import Finding
from immigrationos.targeting.detectors.identity_fraud import OwnerInfo
from immigrationos.targeting.records import PersonRecord, known_by
from immigrationos.targeting.status import PersonStatus, derive_status

CITIZENSHIP_DIRECTIVE = (
    "ICE Directive 16001.2, Investigating the Potential U.S. Citizenship of Individuals "
    "Encountered by ICE (10 November 2015): indicia of US citizenship must be immediately "
    "and carefully investigated; ICE cannot use its civil immigration enforcement authority "
    "against a US citizen"
)
# Sources that may hold the only citizenship evidence of a person; withheld, it cannot be
# ruled out, so the lead is held (the detectors do not run at all without the others).
CITIZENSHIP_SOURCES = frozenset(
    ("ssa_numident", "dos_passports", "uscis_benefits", "dmv_licenses", "cbp_i94")
)
# Certificate-of-citizenship applications (derived or acquired citizenship, INA §§320, 322).
# They are outside the contract's form types; a source that carries them is honoured.
DERIVATION_FORMS = frozenset(("N-600", "N-600K"))
# Fields holding a country of citizenship or birth on records of other sources.
US_COUNTRY_FIELDS = (
    "citizenship_country", "country_of_citizenship", "nationality", "country_of_birth",
)  # fmt: skip
# The United States and its territories as ISO 3166-1 alpha-3 codes.
US_COUNTRIES = frozenset(("USA", "PRI", "GUM", "VIR", "ASM", "MNP", "UMI"))
ADULT_AGE = 18
# Sources whose records have no field that can show citizenship (the contract's columns).
NO_CITIZENSHIP_FIELDS = frozenset(("irs_w2", "tips"))
IDENTITY_THRESHOLD = 0.9
# Fields that tie a record to one individual's document or file: the passport an I-94 was
# issued on, the A-file, the fingerprint record.
IDENTIFYING_FIELDS = ("passport_number", "a_number", "fbi_number")

RELIEF_BASIS: dict[str, str] = {
    "I-589": "INA §208 and 8 CFR 208 (asylum application pending or granted)",
    "I-485": "INA §245 and 8 CFR 245.2 (adjustment of status pending or granted)",
    "I-821": "INA §244 (temporary protected status; §244(a)(1)(A): not removed while held)",
    "I-821D": "8 CFR 236.21-236.25 (deferred action for childhood arrivals)",
    "I-918": "INA §101(a)(15)(U) and §214(p) (U nonimmigrant status)",
    "I-914": "INA §101(a)(15)(T) and 8 CFR 214.11 (T nonimmigrant status)",
    "I-360": "INA §204(a)(1) (VAWA self-petition, special immigrant juvenile)",
    "I-539": "INA §248 and 8 CFR 214.1(c)(4) (timely extension or change of status)",
    "N-400": "INA §316 (naturalization granted)",
    "EOIR": "8 CFR 1003.6 (stay during an appeal to the BIA); INA §240 (relief granted)",
}


class Effect(StrEnum):
    """What a safeguard does to the findings it applies to."""

    SUPPRESS = "SUPPRESS"
    HOLD = "HOLD"
    REDIRECT = "REDIRECT"
    NONE = "NONE"


class LeadState(StrEnum):
    """The state of a person's lead as the safeguards leave it (``CLOSED`` is a decision)."""

    OPEN = "OPEN"
    HELD = "HELD"
    SUPPRESSED = "SUPPRESSED"


@dataclass(frozen=True)
class SafeguardResult:
    """The outcome of one safeguard on one person.

    ``applies_to`` None means every finding of the person; otherwise only those findings.
    A REDIRECT suppresses its findings against this person and names, in ``redirect_to``,
    the records of whoever the findings should point at. ``review`` names a review the
    safeguard opens (``CITIZENSHIP_REVIEW``, ``IDENTITY_CONFIRMATION``).
    """

    name: str
    effect: Effect
    reason: str
    evidence: tuple[str, ...] = ()
    legal_basis: str = ""
    applies_to: tuple[Finding, ...] | None = None
    redirect_to: tuple[str, ...] = ()
    review: str | None = None


@dataclass(frozen=True)
class SafeguardContext:
    """Everything the safeguards read about one person as of a date.

    ``link_probability`` maps a record reference to the match probability of the link
    that holds it in the person (or the person's confidence); a record absent from it is
    the person's anchor and is taken as certain.
    """

    records: Sequence[PersonRecord]
    status: PersonStatus
    findings: Sequence[Finding]
    ssn_owner: Mapping[str, OwnerInfo]
    link_probability: Mapping[str, float]
    person_id: str | None = None
    identity_threshold: float = IDENTITY_THRESHOLD
    withheld_sources: frozenset[str] = frozenset()
    # A record the purpose may not read shows US citizenship (``shows_citizenship``).
    withheld_citizenship: bool = False
    # Per violation, records of other persons named alike that would clear it if they
    # were this person's (``evaluate._cleared_elsewhere``).
    cleared_elsewhere: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def known(self) -> list[PersonRecord]:
        """Return the records known as of the status date."""
        return known_by(self.records, self.status.as_of)


def _none(name: str, reason: str) -> SafeguardResult:
    return SafeguardResult(name, Effect.NONE, reason)


def _refs(groups: Iterable[Iterable[str]]) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for group in groups:
        for ref in group:
            out.setdefault(ref, None)
    return tuple(out)


def _age_at(r: PersonRecord, day: dt.date | None) -> int | None:
    born = r.date("birth_date")
    if born is None or day is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def derived_citizenship_signs(records: Iterable[PersonRecord]) -> list[tuple[str, str]]:
    """Return ``(record ref, sign)`` for each sign of derived or acquired citizenship.

    Signs the records can show: a certificate-of-citizenship application (N-600/N-600K)
    pending or approved, and permanent residence obtained before 18 (INA §320: a child
    under 18, a lawful permanent resident in the custody of a parent who naturalizes,
    becomes a citizen; the records do not link parents, so the review checks it).
    """
    out = []
    for r in records:
        if r.source == "uscis_benefits":
            form, status = r.upper("form_type"), r.upper("status")
            if form in DERIVATION_FORMS and status in ("PENDING", "APPROVED"):
                out.append((r.ref, f"{form} {status.lower()} (certificate of citizenship)"))
            elif form in ("I-485", "I-751") and status == "APPROVED":
                age = _age_at(r, r.date("decision_date") or r.date("filed_date"))
                if age is not None and age < ADULT_AGE:
                    out.append((r.ref, f"permanent residence at age {age} (INA §320)"))
        elif r.source == "cbp_i94" and r.upper("class_of_admission") == "LPR":
            age = _age_at(r, r.date("event_date"))
            if age is not None and age < ADULT_AGE:
                out.append((r.ref, f"admitted as a permanent resident at age {age} (INA §320)"))
    return out


def _us_country_signs(records: Iterable[PersonRecord]) -> list[tuple[str, str]]:
    out = []
    for r in records:
        for name in US_COUNTRY_FIELDS:
            if r.upper(name) in US_COUNTRIES:
                out.append((r.ref, f"{name} {r.upper(name)}"))
        if r.source in ("ssa_numident", "dos_passports") and r.upper("birth_place") in (
            US_COUNTRIES
        ):
            out.append((r.ref, f"birth place {r.upper('birth_place')}"))
        passport = r.source in ("fincen_sar", "fincen_ctr") and r.upper("id_type") == "PASSPORT"
        if passport and r.upper("id_country") in US_COUNTRIES:
            out.append((r.ref, "identified by a US passport"))
    return out


def shows_citizenship(records: Sequence[PersonRecord], as_of: dt.date) -> bool:
    """Return whether any of ``records`` (known as of the date) is citizenship evidence.

    Run by the platform on the records the data-use policy withholds from a purpose, so
    that a record nobody on the case may read can still protect a citizen (it holds the
    lead; it never incriminates, and what it says is not shown).
    """
    # A W-2 carries no country, document or birth place: it never shows citizenship.
    known = known_by([r for r in records if r.source not in NO_CITIZENSHIP_FIELDS], as_of)
    if not known:
        return False
    if _us_country_signs(known) or derived_citizenship_signs(known):
        return True
    return bool(derive_status(known, as_of).citizenship)


def citizenship_evidence(ctx: SafeguardContext) -> SafeguardResult:
    """Suppress every finding and open a citizenship review on any citizenship evidence.

    Evidence: a US passport, Numident code A or a US birth place (territories included),
    naturalization (N-400 approved), a US-citizen admission, a licence issued on a US
    passport, birth or naturalization certificate, a US citizenship or birth country on
    any record, and signs of derived citizenship. Weakly linked records count too: a
    citizen must never be put in a queue because the link to their passport is weak.
    """
    name = "CITIZENSHIP_EVIDENCE"
    signs = [(ref, f"{f.kind}: {f.detail}") for f in ctx.status.citizenship for ref in f.evidence]
    signs += derived_citizenship_signs(ctx.known) + _us_country_signs(ctx.known)
    if signs:
        details = "; ".join(sorted({s for _, s in signs}))
        return SafeguardResult(
            name,
            Effect.SUPPRESS,
            f"citizenship evidence on record ({details}): no enforcement action; "
            "a citizenship review is opened",
            _refs([ref] for ref, _ in signs),
            CITIZENSHIP_DIRECTIVE,
            review="CITIZENSHIP_REVIEW",
        )
    if ctx.withheld_citizenship:
        return SafeguardResult(
            name,
            Effect.HOLD,
            "citizenship cannot be ruled out: a record the data-use policy withholds from "
            "this purpose must be reviewed by someone who may read it",
            legal_basis=CITIZENSHIP_DIRECTIVE,
            review="CITIZENSHIP_REVIEW",
        )
    withheld = sorted(CITIZENSHIP_SOURCES & ctx.withheld_sources)
    if withheld:
        return SafeguardResult(
            name,
            Effect.HOLD,
            f"citizenship cannot be ruled out: {', '.join(withheld)} withheld by the "
            "data-use policy",
            legal_basis=CITIZENSHIP_DIRECTIVE,
            review="CITIZENSHIP_REVIEW",
        )
    return _none(name, "no citizenship evidence on record")


def _relief_form(kind: str) -> str:
    for prefix in ("PENDING_", "APPROVED_"):
        if kind.startswith(prefix):
            return kind[len(prefix) :]
    return "EOIR"


def pending_relief(ctx: SafeguardContext) -> SafeguardResult:
    """Hold the lead while relief is pending or granted (the contract's list), or on appeal."""
    name = "PENDING_RELIEF"
    relief = ctx.status.relief
    if not relief:
        return _none(name, "no pending or granted relief on record")
    forms = sorted({_relief_form(f.kind) for f in relief})
    return SafeguardResult(
        name,
        Effect.HOLD,
        "pending or granted relief: " + "; ".join(sorted({f.detail or f.kind for f in relief})),
        _refs(f.evidence for f in relief),
        "; ".join(RELIEF_BASIS.get(f, f) for f in forms),
    )


def _word_groups(words: Iterable[str]) -> set[str]:
    table = given_table()
    return {g for w in words for g in table.groups(w)}


def _in_holders_name(ctx: SafeguardContext) -> set[str]:
    """Return the person's W-2s under another person's SSN that may be that holder's own.

    Only for a person known by W-2s alone. The number's Numident holder is someone
    else, yet the wage record carries the holder's given name (or a form of it: MIKE for
    MICHAEL, DOTTIE for DOROTHY, in the name tables' groups) or the holder's initial,
    beside one of the holder's surnames, in either name field. It may well be the
    holder's own wages that resolution left apart: a nickname, names swapped, one of two
    surnames (LAURA VILLANUEVA for LAURA VILLANUEVA RAMOS, M LARA RUIZ for MARIA DEL
    CARMEN LARA RUIZ: measured, citizens' own W-2s under a worksite investigation), or a
    thief using the whole identity, whom these records cannot tell from the holder. A
    finding resting on such a record must not send anyone to act on it: it is held for
    a person to confirm who earned the wages. So are wages under a woman holder's given
    name and another family name: her married name (PAT SMITH for PATRICIA JOHNSON, MARY
    WALKER for MARY LEE: measured, the most common citizens' OPEN leads left on s808).
    Wages under another given name (a relative sharing only the family name, a
    stranger) show another person using the number, and stand; so do wages under a man
    holder's given name and another family name (workers of one community share common
    given names: JOSE, LUIS).
    """
    found: set[str] = set()
    if any(r.source != "irs_w2" for r in ctx.records):
        # Records of their own (an arrest, an admission, a licence) tell the worker apart.
        return found
    for r in ctx.records:
        owner = ctx.ssn_owner.get(_tin(r) or "")
        if owner is None or (ctx.person_id is not None and owner.person_id == ctx.person_id):
            continue
        if _may_be_holders(r, owner):
            found.add(r.ref)
    return found


def _may_be_holders(r: PersonRecord, owner: OwnerInfo) -> bool:
    """Return whether a wage record's name may be its SSN holder's (see ``_in_holders_name``)."""
    words = set(tokens(r.text("given_name"))) | set(tokens(r.text("family_name")))
    if owner.given or owner.family:
        given, family = tokens(owner.given), tokens(owner.family)
    else:  # an owner known by one name string, "GIVEN FAMILY"
        both = tokens(owner.name)
        given, family = both[:1], both[1:]
    if not given:
        return False
    surnames = {w for w in family if len(w) > 2} & words
    named = bool(_word_groups(words - surnames) & _word_groups(given[:1]))
    if not surnames:
        # A woman's given name under another family name: perhaps her married name.
        return named and owner.sex == "F"
    return named or any(len(w) == 1 and w == given[0][0] for w in words)


def low_identity_confidence(ctx: SafeguardContext) -> SafeguardResult:
    """Hold the findings that rest on a record linked below the identity threshold.

    Also those that a record of a near miss (another person under one of this person's
    document numbers, or named alike and born within a slip: ``targeting/elsewhere.py``)
    would clear if it were this person's (``cleared_elsewhere``: the removal that executed
    an order, a grant or extension resolution left apart because a birth date was mistyped).

    A person known by one record is held when a record of another person alike would
    clear them (``cleared_elsewhere``: a near miss that carries a clearing fact), or when
    the record itself does not establish whose it is (no passport number, A-number or FBI
    number: a name and a birth date someone wrote down). A lone record that carries such a
    document number, with no near miss that would clear it, stands: that the person's
    other records are unknown is no doubt about who this record is (measured: holding
    every lone record parked 22 % of the violators without relief of the 100k worlds).
    """
    name = "LOW_IDENTITY_CONFIDENCE"
    lone = ctx.records[0] if len(ctx.records) == 1 and ctx.findings else None
    named = sorted({ref for refs in ctx.cleared_elsewhere.values() for ref in refs})
    if lone is not None and (named or not _identifying(lone)):
        why = (
            f", and records of other persons named alike and born within a slip of a clerk, "
            f"or under one of its document numbers ({', '.join(named)}), would clear them if "
            "they are this person's"
            if named
            else ", which carries no document number (passport, A-number, FBI number) "
            "establishing whose it is"
        )
        return SafeguardResult(
            name,
            Effect.HOLD,
            f"the person is known by one record ({lone.ref}){why}; held until a person "
            "confirms the identity and looks for the person's other records",
            (lone.ref, *named),
            "INA §287(a)(2): an arrest needs reason to believe that this person is removable; "
            "a single record that may be another person's, or may miss what clears them, "
            "does not give it",
            applies_to=tuple(ctx.findings),
            review="IDENTITY_CONFIRMATION",
        )
    weak: dict[str, float] = {}
    held = []
    for f in ctx.findings:
        low = {
            ref: p
            for ref in f.evidence
            if (p := ctx.link_probability.get(ref, 1.0)) < ctx.identity_threshold
        }
        if low:
            held.append(f)
            weak.update(low)
    alike = {
        f.violation: refs for f in ctx.findings if (refs := ctx.cleared_elsewhere.get(f.violation))
    }
    held += [f for f in ctx.findings if f.violation in alike and f not in held]
    holders = _in_holders_name(ctx)
    if holders:
        # The person is known by W-2s alone, which resolution holds to be one worker's:
        # if some may be the holder's own (the others mistyped: GONZALES, a digit of the
        # SSN), all may be, and every finding waits for a person to tell.
        held += [f for f in ctx.findings if f not in held]
    if not held:
        return _none(name, f"every finding rests on links of at least {ctx.identity_threshold}")
    reasons = []
    if weak:
        links = ", ".join(f"{ref} ({p:.2f})" for ref, p in sorted(weak.items()))
        reasons.append(f"findings rest on records linked below {ctx.identity_threshold}: {links}")
    if alike:
        reasons.append(
            "records of other persons, named alike and born near, would clear "
            + "; ".join(f"{v} ({', '.join(refs)})" for v, refs in sorted(alike.items()))
            + " if they are this person's"
        )
    if holders:
        reasons.append(
            "wages under another person's SSN in that person's own name "
            f"({', '.join(sorted(holders))}) may be the holder's own wages, resolved apart, "
            "and so may this person's other wage records"
        )
    others = {ref for refs in alike.values() for ref in refs}
    return SafeguardResult(
        name,
        Effect.HOLD,
        "; ".join(reasons) + "; held until a person confirms the identity",
        tuple(sorted(set(weak) | others | holders)),
        "INA §287(a)(2): an arrest needs reason to believe that this person is removable; "
        "a weakly linked record does not show it is this person, and a record resolution "
        "left with another person may be theirs and clear them",
        applies_to=tuple(held),
        review="IDENTITY_CONFIRMATION",
    )


def _identifying(r: PersonRecord) -> list[str]:
    """Return the fields of a record that tie it to one individual's document or file."""
    return [name for name in IDENTIFYING_FIELDS if r.text(name)]


def deceased(ctx: SafeguardContext) -> SafeguardResult:
    """Suppress the lead of a person with a Numident death date."""
    name = "DECEASED"
    fact = ctx.status.presence.deceased
    if fact is None:
        return _none(name, "no death on record")
    return SafeguardResult(
        name,
        Effect.SUPPRESS,
        f"deceased {fact.day} ({fact.detail})",
        fact.evidence,
        "no enforcement against a deceased person; SSA death master file",
    )


def departed(ctx: SafeguardContext) -> SafeguardResult:
    """Suppress the lead of a person who left (or was removed) after the last sign of presence."""
    name = "DEPARTED"
    presence = ctx.status.presence
    last = presence.last_exit
    if last is None or presence.returned or presence.deceased is not None:
        return _none(name, "no departure after the last evidence of presence")
    what = "removed" if last.kind == "REMOVAL" else "departed"
    return SafeguardResult(
        name,
        Effect.SUPPRESS,
        f"{what} {last.day} ({last.kind}), no evidence of presence since",
        last.evidence,
        "INA §241(a) and §237 reach persons in the United States; a confirmed departure "
        "executes or moots removal (8 CFR 241.7)",
    )


def _tin(r: PersonRecord) -> str | None:
    digits = "".join(c for c in (r.text("employee_tin") or "") if c.isdigit())
    return digits or None


def _names(r: PersonRecord) -> tuple[str, str]:
    return (r.upper("given_name") or "", r.upper("family_name") or "")


def identity_theft_victim(ctx: SafeguardContext) -> SafeguardResult:
    """Redirect identity-fraud findings on a person's own SSN to whoever used the number.

    The person owns an SSN (their Numident record holds it, or the owner map names them)
    and either an IDENTITY_FRAUD finding rests on wages under it, or wages under it were
    reported in another name. The finding is suppressed against the owner and points at
    the wage records of the user of the number.
    """
    name = "IDENTITY_THEFT_VICTIM"
    known = ctx.known
    own_refs = {r.ref for r in known}
    numidents = [r for r in known if r.source == "ssa_numident"]
    own = {s for r in numidents if (s := r.text("ssn"))}
    # Only the numbers on the person's wages matter: look those up, never the whole map.
    for tin in {_tin(r) for r in known if r.source == "irs_w2"} - {None} - own:
        owner = ctx.ssn_owner.get(tin or "")
        if owner is None:
            continue
        mine = ctx.person_id is not None and owner.person_id == ctx.person_id
        if mine or (owner.record is not None and owner.record in own_refs):
            own.add(tin or "")
    if not own:
        return _none(name, "the person holds no SSN on record")
    by_ref = {r.ref: r for r in known}
    redirected, users = [], []
    for f in ctx.findings:
        if f.violation != "IDENTITY_FRAUD":
            continue
        wages = [by_ref[ref] for ref in f.evidence if ref in by_ref]
        wages = [r for r in wages if r.source == "irs_w2" and _tin(r) in own]
        if wages:
            redirected.append(f)
            users += [r.ref for r in wages]
    own_names = {_names(r) for r in numidents}
    misused = [
        r
        for r in known
        if r.source == "irs_w2" and _tin(r) in own and own_names and _names(r) not in own_names
    ]
    users += [r.ref for r in misused]
    if not redirected and not misused:
        return _none(name, "no sign that another person uses the person's SSN")
    owner_refs = [r.ref for r in numidents if r.text("ssn") in own]
    return SafeguardResult(
        name,
        Effect.REDIRECT,
        "the person is the Numident holder of an SSN under which wages were reported by "
        "another person: the identity-fraud flag points at the user of the number, not at "
        "the victim",
        _refs([owner_refs, users]),
        "42 U.S.C. §408(a)(7)(B) and 18 U.S.C. §1028A punish the user of another's number; "
        "the holder is the victim",
        applies_to=tuple(redirected),
        redirect_to=_refs([users]),
    )


Safeguard = Callable[[SafeguardContext], SafeguardResult]
# Every safeguard, most protective first.
SAFEGUARDS: tuple[Safeguard, ...] = (
    citizenship_evidence,
    deceased,
    departed,
    identity_theft_victim,
    pending_relief,
    low_identity_confidence,
)


def evaluate(ctx: SafeguardContext) -> list[SafeguardResult]:
    """Return the result of every safeguard on one person, in the order of ``SAFEGUARDS``."""
    return [safeguard(ctx) for safeguard in SAFEGUARDS]


_RANK = {Effect.NONE: 0, Effect.HOLD: 1, Effect.SUPPRESS: 2, Effect.REDIRECT: 2}


def finding_effect(finding: Finding, safeguards: Iterable[SafeguardResult]) -> Effect:
    """Return the strongest effect of the safeguards that apply to one finding."""
    effect = Effect.NONE
    for s in safeguards:
        if s.applies_to is not None and finding not in s.applies_to:
            continue
        if _RANK[s.effect] > _RANK[effect]:
            effect = s.effect
    return effect


def lead_state(
    findings: Sequence[Finding], safeguards: Sequence[SafeguardResult]
) -> LeadState | None:
    """Return the state of a person's lead: None when there is no finding.

    A safeguard over the whole person wins outright: SUPPRESS over HOLD over OPEN. One
    scoped to some findings (a weak link, a redirected fraud flag) acts on those alone;
    the lead is then as actionable as its most actionable finding.
    """
    if not findings:
        return None
    whole = {s.effect for s in safeguards if s.applies_to is None}
    if Effect.SUPPRESS in whole or Effect.REDIRECT in whole:
        return LeadState.SUPPRESSED
    if Effect.HOLD in whole:
        return LeadState.HELD
    effects = {finding_effect(f, safeguards) for f in findings}
    if Effect.NONE in effects:
        return LeadState.OPEN
    if Effect.HOLD in effects:
        return LeadState.HELD
    return LeadState.SUPPRESSED


def actionable(findings: Sequence[Finding], safeguards: Sequence[SafeguardResult]) -> list[Finding]:
    """Return the findings that no safeguard suppresses, redirects or holds."""
    if any(s.effect is not Effect.NONE for s in safeguards if s.applies_to is None):
        return []
    return [f for f in findings if finding_effect(f, safeguards) is Effect.NONE]
