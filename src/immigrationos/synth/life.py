"""Records of daily life that follow from a story: SSN, wages, licences, passports, money."""

from __future__ import annotations

import math

from immigrationos.synth.builder import YEAR, Builder
from immigrationos.synth.geo import LICENSE_REGARDLESS
from immigrationos.synth.person import Employer, Person
from immigrationos.synth.records import NOBODY, iso

OFFENSES = (
    ("1313", "VIOLENT", "SIMPLE ASSAULT", 6), ("1315", "VIOLENT", "AGGRAVATED ASSAULT", 2),
    ("1201", "VIOLENT", "ROBBERY", 1), ("1102", "SEX_OFFENSE", "SEXUAL ASSAULT", 0.4),
    ("5212", "WEAPONS", "CARRYING CONCEALED WEAPON", 1.5),
    ("3530", "DRUG_TRAFFICKING", "POSSESSION WITH INTENT TO DISTRIBUTE", 1.5),
    ("3562", "DRUG_POSSESSION", "POSSESSION OF MARIJUANA", 5),
    ("3550", "DRUG_POSSESSION", "POSSESSION OF CONTROLLED SUBSTANCE", 3),
    ("2303", "PROPERTY", "SHOPLIFTING", 6), ("2204", "PROPERTY", "BURGLARY", 2),
    ("2404", "PROPERTY", "VEHICLE THEFT", 1), ("2602", "FRAUD", "FRAUD BY FALSE PRETENSES", 1.5),
    ("2589", "FRAUD", "FORGERY OF DOCUMENTS", 1), ("5404", "DUI", "DRIVING UNDER INFLUENCE", 8),
    ("0312", "IMMIGRATION", "ILLEGAL ENTRY", 0.5),
    ("5499", "TRAFFIC", "DRIVING WITHOUT LICENSE", 6), ("7399", "OTHER", "PUBLIC ORDER", 3),
    ("5309", "OTHER", "DISORDERLY CONDUCT", 3),
)  # fmt: skip
_OFFENSE_W = [o[3] for o in OFFENSES]
DISPOSITION_W = (("CONVICTED", 55), ("DISMISSED", 25), ("PENDING", 12), ("ACQUITTED", 8))
ALLEGATIONS = (
    "WORKS WITHOUT PAPERS", "OVERSTAYED VISA", "USES SOMEONE ELSE'S SOCIAL SECURITY NUMBER",
    "LIVING HERE ILLEGALLY", "CAME BACK AFTER BEING DEPORTED", "EMPLOYER HIRES UNDOCUMENTED",
    "HAS A DEPORTATION ORDER", "FAKE DOCUMENTS", "MARRIAGE FOR PAPERS",
)  # fmt: skip
OCCUPATIONS = (
    "CONTRACTOR", "RESTAURANT OWNER", "CASHIER", "MECHANIC", "FARM WORKER", "SELF EMPLOYED",
    "BUSINESS OWNER", "LANDSCAPER", "RETAIL", "TRUCK DRIVER", "NURSE", "ENGINEER",
)  # fmt: skip
CONSULAR = frozenset(("MEX", "GTM", "HND", "SLV", "ECU", "COL", "DOM"))
NON_CITIZEN_WAGE = {"EWI": 0.75, "OVERSTAY": 0.85, "FINAL_ORDER": 0.75, "TPS": 0.85, "DACA": 0.95}


def window(b: Builder, p: Person) -> tuple[int, int]:
    """Return the first and last day ``p`` leaves traces of daily life in the US."""
    lo = max(p.active_from, p.birth + 16 * YEAR)
    hi = (p.end - 1) if p.end is not None else b.a - 1
    return lo, hi


def write_life(b: Builder, p: Person) -> None:
    """Write the daily-life records that follow from the story of ``p``."""
    rnd = b.rnd
    lo, hi = window(b, p)
    if p.ssn is not None and p.ssn_issue is not None:
        given, middle, family = b.names(p, "ssa_numident")
        b.store.add(
            "ssa_numident",
            p.pid,
            ssn=p.ssn,
            given_name=given,
            middle_name=middle or None,
            family_name=family,
            birth_date=iso(p.birth),
            sex=p.sex,
            birth_place=p.birth_place,
            citizenship_code=p.ssn_code or None,
            issue_date=iso(min(p.ssn_issue, b.a - 1)),
            death_date=iso(p.death) if p.death is not None else None,
        )
    if p.itin is not None and p.itin_issue is not None:
        issued = min(max(p.itin_issue, p.birth + 16 * YEAR), b.a - 1)
        kind = rnd.choice(("PASSPORT", "PASSPORT", "CONSULAR_ID", "NATIONAL_ID"))
        b.store.add(
            "irs_itin",
            p.pid,
            itin=p.itin,
            **b.person_fields(p, "irs_itin", issued),
            country_of_citizenship=p.country,
            foreign_id_type=kind,
            foreign_id_number=p.passport or b.ids.foreign_passport(),
            **b.addr_fields(p, issued, missing=0.05),
            issue_date=iso(issued),
        )
    _wages(b, p)
    licensed = hi > lo and p.wants_license and _licences(b, p, lo, hi)
    if p.usc_from is not None and hi > lo:
        _passports(b, p, lo, hi)
    crime = 0.06 if p.status in ("EWI", "FINAL_ORDER", "OVERSTAY") else 0.025
    if hi > lo and rnd.random() < crime:
        for _ in range(rnd.choice((1, 1, 1, 2, 3))):
            _criminal(b, p, lo, hi)
    if hi > lo:
        n_ctr = 0
        if rnd.random() < 0.012 or (p.needs_evidence and not p.work and not licensed):
            n_ctr = rnd.choice((1, 1, 2, 3))
        for _ in range(n_ctr):
            _ctr(b, p, max(lo, b.a - 3 * YEAR), hi)
        if rnd.random() < 0.004:
            _sar(b, p, max(lo, b.a - 3 * YEAR), hi)


def _employer(b: Builder, state: str) -> Employer:
    local = b.employers_by_state.get(state)
    if local and b.rnd.random() < 0.9:
        return b.rnd.choice(local)
    return b.rnd.choice(b.employers)


def _wages(b: Builder, p: Person) -> None:
    if not p.work:
        return
    rnd = b.rnd
    employer: Employer | None = None
    median = 52000.0 * NON_CITIZEN_WAGE.get(p.status, 1.0)
    for year, tin, own, name_of in p.work:
        when = b.jan1(year) + 360
        # Payroll keeps an old address for a while after a move.
        addr = b.addr_fields(p, when, missing=0.03, stale=0.2)
        if employer is None or rnd.random() < 0.15:
            employer = _employer(b, str(addr.get("state") or b.address(p, when)[2]))
        if name_of >= 0:
            given, family = b.pop.given[name_of], b.pop.family[name_of]
        else:
            given, _, family = b.names(p, "irs_w2", when)
        wages = max(800.0, math.exp(rnd.gauss(math.log(median), 0.6)))
        b.store.add(
            "irs_w2",
            p.pid,
            tax_year=str(year),
            employer_ein=employer.ein,
            employer_name=employer.name,
            employee_tin=tin,
            given_name=given,
            family_name=family,
            **addr,
            wages=f"{wages:.2f}",
            _own_ssn=own and not tin.startswith("9"),
        )


def _doc_at(p: Person, when: int) -> str:
    doc = p.docs[0][1] if p.docs else "NONE"
    for start, d in p.docs:
        if start <= when:
            doc = d
    return doc


def _licence(b: Builder, p: Person, issued: int, old: bool = False) -> bool:
    street, city, state, zip_ = b.address(p, issued, stale=0.0)
    doc = _doc_at(p, issued)
    if doc == "NONE" and state not in LICENSE_REGARDLESS:
        return False
    if doc == "US_BIRTH_CERTIFICATE" and p.usc_from is not None and b.rnd.random() < 0.3:
        doc = "US_PASSPORT"
    real_id = doc != "NONE" and issued >= b.jan1(2016) and b.rnd.random() < 0.75
    recorded = doc if issued >= b.jan1(2012) or b.rnd.random() < 0.5 else None
    # A REAL ID is issued in the documented (legal) name; other licences often not.
    given, middle, family = b.names(p, "dmv_licenses", issued)
    if real_id and (p.renamed_at is None or issued >= p.renamed_at):
        given, middle, family = p.given, p.middle, p.family
    if old and p.maiden and b.rnd.random() < 0.5:
        family = p.maiden  # an older licence, from before the marriage
    b.store.add(
        "dmv_licenses",
        p.pid,
        state=state,
        license_number=b.ids.license(state),
        given_name=given,
        middle_name=middle or None,
        family_name=family,
        birth_date=iso(p.birth),
        sex=p.sex,
        street=street,
        city=city,
        zip=zip_,
        issue_date=iso(issued),
        expiry_date=iso(issued + b.rnd.randint(4, 8) * YEAR),
        real_id="true" if real_id else "false",
        legal_presence_document=recorded,
    )
    return True


def _licences(b: Builder, p: Person, lo: int, hi: int) -> bool:
    issued = b.between(max(lo, b.a - 8 * YEAR), hi)
    done = _licence(b, p, issued)
    if b.pop.n_addr[p.pid] > 1 and b.rnd.random() < 0.3 and issued - 400 > lo:
        earlier = b.between(max(lo, b.a - 14 * YEAR), issued - 400)
        done = _licence(b, p, earlier, old=True) or done
    return done


def _passports(b: Builder, p: Person, lo: int, hi: int) -> None:
    assert p.usc_from is not None
    if p.passport is None and b.rnd.random() >= 0.45:
        return
    first = max(p.usc_from, lo, b.a - 10 * YEAR)
    issued = b.between(first, hi)
    issues = [issued]
    if issued - 10 * YEAR > max(p.usc_from, p.birth + 16 * YEAR) and b.rnd.random() < 0.3:
        issues.append(issued - 10 * YEAR - b.rnd.randint(0, 400))
    for k, when in enumerate(issues):
        number = p.passport if (k == 0 and p.passport) else b.ids.us_passport()
        b.store.add(
            "dos_passports",
            p.pid,
            passport_number=number,
            given_name=p.given,
            middle_name=p.middle or None,
            family_name=p.family,
            birth_date=iso(p.birth),
            sex=p.sex,
            birth_place=p.birth_place,
            issue_date=iso(when),
            expiry_date=iso(when + 10 * YEAR - 1),
        )


def _criminal(b: Builder, p: Person, lo: int, hi: int) -> None:
    rnd = b.rnd
    code, category, description, _ = rnd.choices(OFFENSES, weights=_OFFENSE_W)[0]
    disposition = rnd.choices([d for d, _ in DISPOSITION_W], [w for _, w in DISPOSITION_W])[0]
    when = b.between(max(lo, b.a - 15 * YEAR), hi)
    state = b.address(p, when)[2]
    decided = when + rnd.randint(20, 300) if disposition != "PENDING" else None
    if decided is not None and decided >= b.a:
        decided = None
        disposition = "PENDING"
    sentence = None
    if disposition == "CONVICTED" and rnd.random() < 0.6:
        sentence = str(rnd.choice((1, 2, 10, 30, 60, 90, 180, 365, 730)))
    # One FBI number per person, from the first fingerprinted arrest on.
    if p.fbi is None and rnd.random() < 0.75:
        p.fbi = b.ids.fbi()
    b.store.add(
        "criminal_history",
        p.pid,
        fbi_number=p.fbi if p.fbi is not None and rnd.random() < 0.85 else None,
        state_id=f"{state}{rnd.randrange(10**7, 10**8)}" if rnd.random() < 0.6 else None,
        **b.person_fields(p, "criminal_history", when),
        offense_code=code,
        offense_category=category,
        offense_description=description,
        disposition=disposition,
        disposition_date=iso(decided) if decided is not None else None,
        sentence_days=sentence,
        state=state,
    )


def _money_id(b: Builder, p: Person) -> dict[str, object]:
    r = b.rnd.random()
    if p.ssn and r < 0.7:
        return {"id_type": "SSN", "id_number": p.ssn}
    if p.itin and r < 0.8:
        return {"id_type": "ITIN", "id_number": p.itin}
    if p.country != "USA" and r < 0.92:
        kind = "CONSULAR_ID" if p.country in CONSULAR and r < 0.85 else "PASSPORT"
        number = p.passport or b.ids.foreign_passport()
        return {"id_type": kind, "id_number": number, "id_country": p.country}
    if r < 0.97:
        return {"id_type": "DRIVER_LICENSE", "id_number": f"D{b.rnd.randrange(10**7, 10**8)}"}
    return {"id_type": "NONE"}


def _ctr(b: Builder, p: Person, lo: int, hi: int) -> None:
    rnd = b.rnd
    when = b.between(lo, hi)
    cash = 10000 + math.exp(rnd.gauss(math.log(4000), 1.0))
    words = b.employer_words
    given, _, family = b.names(p, "fincen_ctr", when)
    b.store.add(
        "fincen_ctr",
        p.pid,
        transaction_date=iso(when),
        institution_name=f"{rnd.choice(words['prefix'])} {rnd.choice(words['bank'])}",
        given_name=given,
        family_name=family,
        birth_date=b.birth_date(p, "fincen_ctr") if rnd.random() < 0.85 else None,
        **_money_id(b, p),
        **b.addr_fields(p, when, missing=0.05),
        occupation=rnd.choice(OCCUPATIONS) if rnd.random() < 0.7 else None,
        cash_in=f"{cash:.2f}" if rnd.random() < 0.8 else "0.00",
        cash_out=f"{cash * rnd.random():.2f}" if rnd.random() < 0.4 else "0.00",
    )


def _sar(b: Builder, p: Person, lo: int, hi: int) -> None:
    rnd = b.rnd
    when = b.between(lo, hi)
    acts = ("STRUCTURING", "MONEY_TRANSMISSION", "IDENTITY_THEFT", "FRAUD", "OTHER")
    chosen = sorted(set(rnd.choices(acts, weights=(5, 4, 1, 2, 1), k=rnd.choice((1, 1, 2)))))
    words = b.employer_words
    given, _, family = b.names(p, "fincen_sar", when)
    b.store.add(
        "fincen_sar",
        p.pid,
        filing_date=iso(when),
        filer_name=f"{rnd.choice(words['prefix'])} {rnd.choice(words['bank'])}",
        given_name=given,
        family_name=family,
        birth_date=b.birth_date(p, "fincen_sar") if rnd.random() < 0.7 else None,
        **_money_id(b, p),
        **b.addr_fields(p, when, missing=0.1),
        activity_types="|".join(chosen),
        amount=f"{9000 + rnd.random() * 60000:.2f}",
        narrative="CASH DEPOSITS JUST BELOW REPORTING THRESHOLD"
        if "STRUCTURING" in chosen
        else None,
    )


def write_tip(b: Builder, p: Person | None) -> None:
    """Write a tip about ``p``, or (None) about nobody in the world."""
    rnd = b.rnd
    when = b.a - rnd.randint(1, 2 * YEAR)
    fields: dict[str, object] = {}
    pid = NOBODY
    if p is not None:
        pid = p.pid
        given, _, family = b.names(p, "tips")
        fields = {"given_name": given, "family_name": family}
        if rnd.random() < 0.35:
            fields["birth_date"] = b.birth_date(p, "tips")
        if rnd.random() < 0.7:
            fields.update(b.addr_fields(p, when))
        if p.work and rnd.random() < 0.4:
            fields["employer_name"] = rnd.choice(b.employers).name
    else:
        z = int(b.rng.integers(0, len(b.geo.zips)))
        fields = {
            "street": b.geo.street_lines(b.rng, 1)[0],
            "city": str(b.geo.cities[z]),
            "state": str(b.geo.states[z]),
            "zip": str(b.geo.zips[z]),
        }
        if rnd.random() < 0.7:
            given, family = b.fabricated_name()
            fields.update(given_name=given, family_name=family)
        else:
            fields["employer_name"] = rnd.choice(b.employers).name
    b.store.add(
        "tips",
        pid,
        received_date=iso(when),
        channel=rnd.choice(("PHONE", "WEB", "WEB", "EMAIL")),
        **fields,
        allegation=rnd.choice(ALLEGATIONS),
        anonymous="true" if rnd.random() < 0.6 else "false",
    )
