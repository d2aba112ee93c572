"""The people, documents and clean, lawful forms of the I-9 set generator.

:class:`Builder` draws from one random stream: people (names from the synthetic-world
tables, SSNs that can have been issued, addresses), their documents (titles as
``worksite.documents`` lists them), clean forms of each status with the variety real
files have, and the government records an inspection consults, consistent with each
clean form (:class:`MemoryGovernment`). Seeded errors are in ``generator_errors``; the
set, its files and its evaluation in ``generator``.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from typing import Any

from immigrationos.records import normalize
from immigrationos.synth.names import load_names, read_rows
from immigrationos.worksite import calendar, documents, io_json
from immigrationos.worksite.model import (
    Correction,
    CorrectionMethod,
    Document,
    DocumentList,
    Employer,
    I9Form,
    NumidentFact,
    Preparer,
    Reverification,
    Section1,
    Section2,
    Status,
    UscisDocumentFact,
)

ALTERNATIVE_PROCEDURE_START = date(2023, 8, 1)  # DHS's remote examination for E-Verify employers

_T = documents.TYPES
US_PASSPORT = _T["US_PASSPORT"].title
I551 = _T["I551"].title
I766 = _T["I766"].title
FOREIGN_PASSPORT = _T["FOREIGN_PASSPORT"].title
I94 = _T["I94"].title
DRIVERS_LICENSE = _T["DRIVERS_LICENSE"].title
STATE_ID = _T["STATE_ID"].title
SS_CARD = _T["SS_CARD"].title
BIRTH_CERTIFICATE = _T["BIRTH_CERTIFICATE"].title
SS_RECEIPT = "Receipt for a replacement Social Security card"

PLACES: tuple[tuple[str, str, str], ...] = (
    ("AUSTIN", "TX", "787"),
    ("HOUSTON", "TX", "770"),
    ("SAN ANTONIO", "TX", "782"),
    ("DALLAS", "TX", "752"),
    ("EL PASO", "TX", "799"),
    ("ROUND ROCK", "TX", "786"),
)
STATE_NAMES = {"TX": "Texas"}
COUNTRIES = ("MEXICO", "INDIA", "PHILIPPINES", "VIETNAM", "CHINA", "NIGERIA", "GUATEMALA", "POLAND")
ORIGIN_OF_COUNTRY = {
    "MEXICO": "HISPANIC",
    "GUATEMALA": "HISPANIC",
    "INDIA": "INDIAN",
    "PHILIPPINES": "FILIPINO",
    "VIETNAM": "VIETNAMESE",
    "CHINA": "CHINESE",
    "NIGERIA": "NIGERIAN",
    "POLAND": "EASTERN_EUROPEAN",
}
REPRESENTATIVES = (
    ("MORGAN", "TAYLOR", "HR Manager"),
    ("CHEN", "LINDA", "HR Specialist"),
    ("REYES", "DANIEL", "Store Manager"),
)


# ---------------------------------------------------------------- government records


def plain(record: Any) -> dict[str, Any]:
    """Return a dataclass record as JSON-ready data (ISO dates, enums by value)."""

    def value(v: Any) -> Any:
        if isinstance(v, Enum):
            return v.value
        if isinstance(v, date):
            return v.isoformat()
        return v

    return {k: value(v) for k, v in dataclasses.asdict(record).items()}


class MemoryGovernment:
    """Government records held in memory: Numident by SSN, USCIS facts by number."""

    def __init__(self) -> None:
        self.numidents: dict[str, NumidentFact] = {}
        self.uscis: dict[str, list[UscisDocumentFact]] = {}

    @staticmethod
    def _keys(number: str) -> set[str]:
        keys = {normalize.identifier("A_NUMBER", number), normalize.identifier("RECEIPT", number)}
        return {k for k in keys if k}

    def numident(self, ssn: str) -> NumidentFact | None:
        """Return SSA's record of an SSN, or None when SSA issued no such number."""
        return self.numidents.get("".join(c for c in ssn if c.isdigit()))

    def uscis_documents(self, number: str) -> list[UscisDocumentFact]:
        """Return USCIS's records of a document or A-number."""
        out: list[UscisDocumentFact] = []
        for key in sorted(self._keys(number)):
            for fact in self.uscis.get(key, []):
                if fact not in out:
                    out.append(fact)
        return out

    def add_numident(self, fact: NumidentFact) -> None:
        """Record SSA's fact of one SSN."""
        self.numidents[fact.ssn] = fact

    def add_uscis(self, fact: UscisDocumentFact) -> None:
        """Record USCIS's fact of one document or A-number."""
        for key in self._keys(fact.number):
            self.uscis.setdefault(key, []).append(fact)

    def to_dict(self) -> dict[str, list[dict[str, object]]]:
        """Return the records as JSON-ready data."""
        seen: list[UscisDocumentFact] = []
        for facts in self.uscis.values():
            for f in facts:
                if f not in seen:
                    seen.append(f)
        return {
            "numident": [plain(f) for f in self.numidents.values()],
            "uscis": [plain(f) for f in seen],
        }

    @classmethod
    def from_dict(cls, data: dict[str, list[dict[str, object]]]) -> MemoryGovernment:
        """Return the records of :meth:`to_dict` data."""
        gov = cls()
        for item in data.get("numident", []):
            gov.add_numident(io_json.dataclass_from_dict(NumidentFact, item, path="numident"))
        for item in data.get("uscis", []):
            gov.add_uscis(io_json.dataclass_from_dict(UscisDocumentFact, item, path="uscis"))
        return gov


@dataclass
class Person:
    employee_id: str
    last: str
    first: str
    middle: str
    dob: date
    ssn: str
    address: str
    apt: str
    city: str
    state: str
    zip_code: str
    email: str
    phone: str
    origin_country: str
    hire: date
    termination: date | None = None


class Builder:
    """Draws people, documents and clean forms from one random stream."""

    def __init__(self, seed: int, audit_date: date, employer: Employer) -> None:
        self.rng = random.Random(seed)
        self.ad = audit_date
        self.employer = employer
        self.names = load_names()
        self.streets = [
            s for s in (r["name"] for r in read_streets()) if s.replace(" ", "").isalpha()
        ]
        self.used_ssns: set[str] = set()
        self.used_numbers: set[str] = set()
        self.gov = MemoryGovernment()
        self.count = 0

    # -- small draws
    def pick(self, seq: Sequence[str]) -> str:
        return seq[self.rng.randrange(len(seq))]

    def days(self, a: int, b: int) -> timedelta:
        return timedelta(days=self.rng.randint(a, b))

    def digits(self, n: int) -> str:
        return "".join(str(self.rng.randrange(10)) for _ in range(n))

    def unique(self, make: Callable[[], str]) -> str:
        while True:
            value = make()
            if value not in self.used_numbers:
                self.used_numbers.add(value)
                return value

    def ssn(self) -> str:
        while True:
            area = self.rng.randint(1, 899)
            if area == 666:
                continue
            value = f"{area:03d}{self.rng.randint(1, 99):02d}{self.rng.randint(1, 9999):04d}"
            if value not in self.used_ssns:
                self.used_ssns.add(value)
                return value

    def anumber(self) -> str:
        return self.unique(lambda: "A" + str(self.rng.randint(100_000_000, 999_999_999)))

    def card_number(self) -> str:
        def make() -> str:
            prefix = self.pick(("IOE", "SRC", "LIN", "EAC", "WAC", "MSC"))
            return prefix + self.digits(10)

        return self.unique(make)

    def i94(self) -> str:
        return self.unique(lambda: self.digits(9) + self.pick("ABCDEFGHJK") + self.digits(1))

    def passport_number(self) -> str:
        return self.unique(lambda: self.pick("ABCDEFGHKLMNPRSTUVWXYZ") + self.digits(8))

    def name(self, origin: str) -> tuple[str, str, str]:
        sex = self.pick(("M", "F"))
        fam = self.names.family.get(origin) or self.names.family["ANGLO"]
        given = self.names.given.get((origin, sex)) or self.names.given[("ANGLO", sex)]
        last = self.pick(fam.names)
        first = self.pick(given.names)
        middle = self.pick("ABCDEFGHJKLMNPRSTW") if self.rng.random() < 0.6 else ""
        return last, first, middle

    # -- people
    def person(self, hire: date, *, foreign: bool) -> Person:
        self.count += 1
        country = self.pick(COUNTRIES) if foreign else "US"
        origin = ORIGIN_OF_COUNTRY.get(country, "ANGLO")
        if not foreign and self.rng.random() < 0.3:
            origin = self.pick(("HISPANIC", "CHINESE", "VIETNAMESE", "FILIPINO"))
        last, first, middle = self.name(origin)
        age = self.rng.randint(19, 64)
        dob = date(hire.year - age, self.rng.randint(1, 12), self.rng.randint(1, 28))
        city, state, zip3 = PLACES[self.rng.randrange(len(PLACES))]
        street = f"{self.rng.randint(10, 9999)} {self.pick(self.streets)} {self.pick(('ST', 'AVE', 'RD', 'DR', 'LN'))}"
        return Person(
            employee_id=f"E{self.count:06d}",
            last=last,
            first=first,
            middle=middle,
            dob=dob,
            ssn=self.ssn(),
            address=street,
            apt=str(self.rng.randint(1, 40)) if self.rng.random() < 0.25 else "",
            city=city,
            state=state,
            zip_code=zip3 + self.digits(2),
            email=f"{first.split()[0].lower()}.{last.split()[0].lower()}@example.com"
            if self.rng.random() < 0.5
            else "",
            phone=f"512{self.digits(7)}" if self.rng.random() < 0.5 else "",
            origin_country=country,
            hire=hire,
        )

    def hire_date(self, lo_days: int = 20, hi_days: int = 6 * 365) -> date:
        # Recent hires are more common than old ones (turnover).
        span = hi_days - lo_days
        back = lo_days + int(span * (self.rng.random() ** 1.6))
        d = self.ad - timedelta(days=back)
        while not calendar.is_business_day(d):
            d -= timedelta(days=1)
        return d

    # -- documents
    def us_passport(self, examined: date) -> Document:
        return Document(
            DocumentList.A,
            US_PASSPORT,
            "U.S. Department of State",
            self.unique(lambda: self.digits(9)),
            examined + self.days(200, 3500),
        )

    def i551(self, p: Person, examined: date) -> Document:
        number = self.card_number()
        exp = examined + self.days(400, 3600)
        self.uscis(p, number, "I-551", exp)
        return Document(DocumentList.A, I551, "USCIS", number, exp)

    def ead(self, p: Person, exp: date) -> Document:
        number = self.card_number()
        self.uscis(p, number, "I-766", exp)
        return Document(DocumentList.A, I766, "USCIS", number, exp)

    def drivers_license(self, p: Person, examined: date) -> Document:
        title = DRIVERS_LICENSE if self.rng.random() < 0.8 else STATE_ID
        return Document(
            DocumentList.B,
            title,
            f"{STATE_NAMES.get(p.state, p.state)} DPS",
            self.unique(lambda: self.digits(8)),
            examined + self.days(150, 2000),
        )

    def list_c(self, p: Person, *, citizen: bool) -> Document:
        if citizen and self.rng.random() < 0.35:
            return Document(
                DocumentList.C,
                BIRTH_CERTIFICATE,
                f"{STATE_NAMES.get('TX')} Vital Statistics",
                self.unique(lambda: self.digits(3) + "-" + self.digits(2) + "-" + self.digits(6)),
                expiration_raw="N/A",
            )
        return Document(
            DocumentList.C, SS_CARD, "Social Security Administration", p.ssn, expiration_raw="N/A"
        )

    def uscis(self, p: Person, number: str, kind: str, valid_until: date | None) -> None:
        self.gov.add_uscis(
            UscisDocumentFact(
                number=number,
                document_type=kind,
                last_name=p.last,
                first_name=p.first,
                date_of_birth=p.dob,
                valid_until=valid_until,
                record_ref=f"uscis_benefits:{normalize.identifier('RECEIPT', number)}",
            )
        )

    def numident(self, p: Person, *, ssn: str | None = None) -> None:
        ssn = ssn or p.ssn
        self.gov.add_numident(
            NumidentFact(
                ssn=ssn,
                last_name=p.last,
                first_name=p.first,
                date_of_birth=p.dob,
                record_ref=f"ssa_numident:N{ssn[-6:]}{len(self.gov.numidents):05d}",
            )
        )

    # -- forms
    def edition_for(self, completed: date) -> str:
        if completed < date(2023, 8, 1):
            return "10/21/19"
        if completed < date(2026, 6, 1):
            return "08/01/23"
        return "01/20/25"

    def base_form(self, p: Person, status: Status, *, form_no: int) -> I9Form:
        """Return a clean form for a person of a status (documents chosen at random)."""
        rng = self.rng
        hire = p.hire
        s1_date = hire - self.days(0, 6)
        s2_date = calendar.add_business_days(hire, rng.choice((0, 1, 1, 2, 3)))
        if rng.random() < 0.3:
            s2_date = hire
        rep = REPRESENTATIVES[rng.randrange(len(REPRESENTATIVES))]
        s1 = Section1(
            last_name=p.last,
            first_name=p.first,
            middle_initial=p.middle,
            other_last_names="",
            address=p.address,
            apt=p.apt,
            city=p.city,
            state=p.state,
            zip_code=p.zip_code,
            date_of_birth=p.dob,
            ssn=p.ssn,
            email=p.email,
            phone=p.phone,
            status_boxes=[status],
            signed=True,
            date_signed=s1_date,
        )
        s2 = Section2(
            first_day_of_employment=hire,
            representative_last_name=rep[0],
            representative_first_name=rep[1],
            representative_title=rep[2],
            signed=True,
            date_signed=s2_date,
            business_name=self.employer.name,
            business_address=self.employer.address,
        )
        form = I9Form(
            form_id=f"F{form_no:06d}",
            employee_id=p.employee_id,
            edition=self.edition_for(s1_date),
            language="en",
            section1=s1,
            section2=s2,
            copies_retained=rng.random() < 0.4,
        )
        if (
            self.employer.everify
            and self.employer.everify_since
            and hire >= self.employer.everify_since
        ):
            form.everify_case = (
                f"{hire.year}{self.digits(9)}{self.pick('ABCDEFGHJK')}{self.pick('ABCDEFGHJK')}"
            )
        self.numident(p)
        if status is Status.CITIZEN or status is Status.NONCITIZEN_NATIONAL:
            if rng.random() < 0.45:
                s2.list_a = [self.us_passport(s2_date)]
            else:
                s2.list_b = self.drivers_license(p, s2_date)
                s2.list_c = self.list_c(p, citizen=True)
        elif status is Status.PERMANENT_RESIDENT:
            s1.lpr_uscis_number = self.anumber()
            self.uscis(p, s1.lpr_uscis_number, "A-number", None)
            if rng.random() < 0.55:
                s2.list_a = [self.i551(p, s2_date)]
            else:
                s2.list_b = self.drivers_license(p, s2_date)
                s2.list_c = self.list_c(p, citizen=False)
        else:
            self._authorized_alien(form, p, s2_date)
        return form

    def _authorized_alien(self, form: I9Form, p: Person, s2_date: date) -> None:
        s1, s2 = form.section1, form.section2
        exp = s2_date + self.days(120, 900)
        s1.authorization_expiration = exp
        if self.rng.random() < 0.6:
            s1.alien_uscis_number = self.anumber()
            self.uscis(p, s1.alien_uscis_number, "A-number", exp)
            s2.list_a = [self.ead(p, exp)]
        else:
            number = self.i94()
            s1.i94_number = number
            passport = Document(
                DocumentList.A,
                FOREIGN_PASSPORT,
                p.origin_country.title(),
                self.passport_number(),
                exp + self.days(200, 2000),
            )
            s2.list_a = [passport, Document(DocumentList.A, I94, "CBP", number, exp)]
        self.reverify_until_current(form, p)

    def reverify_until_current(self, form: I9Form, p: Person) -> None:
        """Add Supplement B reverifications before each expiry while still employed."""
        exp = form.section1.authorization_expiration
        rep = form.section2
        while exp is not None and exp < self.ad and (p.termination is None or p.termination > exp):
            signed = exp - self.days(5, 60)
            signed = max(signed, (form.section2.date_signed or p.hire) + timedelta(days=1))
            if signed >= exp:
                p.termination = exp - timedelta(days=1)  # left before it expired
                break
            new_exp = exp + self.days(365, 900)
            form.supplement_b.append(
                Reverification(
                    document=self.ead(p, new_exp),
                    employer_name=f"{rep.representative_first_name} {rep.representative_last_name}",
                    signed=True,
                    date_signed=signed,
                )
            )
            exp = new_exp
            if len(form.supplement_b) == 3:
                if exp < self.ad:
                    p.termination = exp - timedelta(days=1)
                break

    def add_variety(self, form: I9Form, p: Person) -> None:
        """Add the lawful extras: a preparer, a correction, remote examination, a rehire."""
        rng = self.rng
        s1, s2 = form.section1, form.section2
        if rng.random() < 0.07:
            form.preparer_used = True
            last, first, middle = self.name("ANGLO")
            city, state, zip3 = PLACES[rng.randrange(len(PLACES))]
            form.preparers = [
                Preparer(
                    last_name=last,
                    first_name=first,
                    middle_initial=middle,
                    address=f"{rng.randint(10, 999)} {self.pick(self.streets)} ST",
                    city=city,
                    state=state,
                    zip_code=zip3 + self.digits(2),
                    signed=True,
                    date_signed=s1.date_signed,
                )
            ]
        if rng.random() < 0.08 and s2.date_signed is not None:
            made = s2.date_signed + self.days(0, 40)
            if made < self.ad:
                form.corrections.append(
                    Correction(
                        field="section1.apt" if s1.apt else "section1.zip_code",
                        old_value=self.digits(2) if s1.apt else self.digits(5),
                        new_value=s1.apt or s1.zip_code,
                        method=CorrectionMethod.STRIKE_THROUGH,
                        initials=(s1.first_name[:1] + s1.last_name[:1]),
                        dated=made,
                        made_on=made,
                    )
                )
        start_day = s2.first_day_of_employment
        if (
            rng.random() < 0.06
            and start_day is not None
            and s2.list_c is not None
            and s2.list_c.title == SS_CARD
            and p.termination is None
        ):
            s2.list_c = receipt_document(self, p, start_day)
            seen = start_day + self.days(10, 85)
            if seen < self.ad - timedelta(days=1):
                s2.additional_information = (
                    f"Replacement Social Security card presented {seen.strftime('%m/%d/%Y')}, "
                    f"{rep_initials(s2)}"
                )
            # else: still within its 90 days, the document is not due yet
        everify_since = self.employer.everify_since
        if (
            rng.random() < 0.12
            and self.employer.everify
            and everify_since is not None
            and p.hire >= max(everify_since, ALTERNATIVE_PROCEDURE_START)
            and form.everify_case
            and not s2.additional_information
        ):
            s2.alternative_procedure = True
            s2.additional_information = (
                "Documents examined by live video (DHS alternative procedure)"
            )
        if (
            rng.random() < 0.05
            and s1.status in (Status.CITIZEN, Status.NONCITIZEN_NATIONAL)
            and p.termination is None
            and not form.supplement_b
        ):
            start = s1.date_signed or p.hire
            left = p.hire + self.days(90, 500)
            back = left + self.days(30, 300)
            if back < self.ad - timedelta(days=10) and back < add_years(start, 3):
                back = next_business_day(back)
                form.supplement_b.append(
                    Reverification(
                        rehire_date=back,
                        employer_name=f"{s2.representative_first_name} {s2.representative_last_name}",
                        signed=True,
                        date_signed=back,
                    )
                )


def rep_initials(s2: Section2) -> str:
    """Return the initials of Section 2's representative (for dated notes)."""
    return (s2.representative_first_name[:1] + s2.representative_last_name[:1]) or "HR"


def add_years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)


def next_business_day(d: date) -> date:
    while not calendar.is_business_day(d):
        d += timedelta(days=1)
    return d


def read_streets() -> list[dict[str, str]]:
    return read_rows("street_names.csv")


def clean_form(
    b: Builder,
    form_no: int,
    status: Status | None = None,
    *,
    hire: date | None = None,
    variety: bool = False,
    terminate: bool | None = None,
) -> tuple[I9Form, Person]:
    """Return a clean form and its person; the status drawn when not given."""
    rng = b.rng
    if status is None:
        r = rng.random()
        status = (
            Status.CITIZEN
            if r < 0.55
            else Status.NONCITIZEN_NATIONAL
            if r < 0.57
            else Status.PERMANENT_RESIDENT
            if r < 0.78
            else Status.AUTHORIZED_ALIEN
        )
    hire = hire or b.hire_date()
    p = b.person(hire, foreign=status in (Status.PERMANENT_RESIDENT, Status.AUTHORIZED_ALIEN))
    if terminate is None:
        terminate = rng.random() < 0.2
    if terminate and (b.ad - hire).days > 90:
        p.termination = hire + timedelta(days=rng.randint(60, (b.ad - hire).days - 1))
    form = b.base_form(p, status, form_no=form_no)
    if variety:
        b.add_variety(form, p)
    return form, p


def receipt_document(b: Builder, p: Person, first_day: date) -> Document:
    return Document(
        DocumentList.C,
        SS_RECEIPT,
        "Social Security Administration",
        b.unique(lambda: "SSA" + b.digits(9)),
        first_day + timedelta(days=90),
        is_receipt=True,
    )
