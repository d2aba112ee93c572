"""The state of one person while their story is written, and the employers of a world."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Employer:
    """A synthetic employer with its EIN, name and city."""

    ein: str
    name: str
    state: str


@dataclass
class Person:
    """One person's story state while their records are written."""

    pid: int
    status: str
    given: str
    middle: str
    family: str
    birth: int
    sex: str
    country: str
    origin: str
    variant: str = ""
    alias_given: str = ""  # the everyday name ('' = the legal one), see ``aliases``
    alias_family: str = ""
    by_middle: bool = False  # the everyday given name is the middle name
    maiden: str = ""  # family name before marriage (kept on an old Numident)
    alias_birth: int = 0  # another birth date given to police and banks (0: none)
    given_before: str = ""  # the given name before a change at naturalization
    renamed_at: int | None = None  # the day of that change
    junior: bool = False  # named after the father (JR), or the father of one (SR)
    senior: bool = False
    birth_place: str = ""
    active_from: int = -(10**9)  # first day of the current stay (life records start here)
    end: int | None = None  # last day present (death, departure, removal without return)
    death: int | None = None
    ssn: str | None = None
    ssn_issue: int | None = None
    ssn_code: str = ""
    itin: str | None = None
    itin_issue: int | None = None
    a_number: str | None = None
    passport: str | None = None
    passport_from: int | None = None  # first use of the current passport
    fbi: str | None = None
    usc_from: int | None = None
    # (tax year, TIN, own SSN?, victim person number whose name is used or -1)
    work: list[tuple[int, str, bool, int]] = field(default_factory=list)
    docs: list[tuple[int, str]] = field(default_factory=list)  # (from ordinal, DMV document)
    wants_license: bool = False
    needs_evidence: bool = False
