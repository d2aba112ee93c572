"""The Splink model of the production engine: domain comparisons, blocking and training rules.

Every comparison level is one of ``resolution.normalize``'s SQL levels (the same levels
its Python functions compute, held in agreement by its tests), so a link's explanation
names levels a reviewer can check by hand. Comparisons:

- ``given_name`` / ``family_name``: exact, same nickname or transliteration group, first
  surname only, phonetic, Jaro-Winkler, initial, other given name or surname, swapped
  with the other name; term frequencies on the exact level (a shared rare name says more
  than a shared common one);
- ``birth_date``: exact, day/month swapped, one year off, one typed digit, within a year;
- ``sex``; ``ssn``, ``itin``, ``a_number``: exact or one typo; ``passport``, ``i94``,
  ``fbi``: exact; ``employer``: the W-2's employer EIN;
- ``address``: street and ZIP, ZIP (term frequencies), city and state.

Blocking (``PREDICTION_RULES``) joins records that share an identifier, a name with a
birth date, with its day and month (the year mistyped) or with a ZIP, a birth date with
the start of the given name, a street address with a name sound, or the first or last four
digits of an SSN with a surname sound (an SSN typo), never a name alone: a common name
alone would make the comparisons grow with the square of the population.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import cache
from typing import Any

import sqlglot
from splink import SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.comparison_library import CustomComparison
from splink.internals.dialects import SplinkDialect
from sqlglot import exp

from immigrationos.resolution.names import JW_HIGH
from immigrationos.resolution.normalize import (
    LevelCondition,
    date_level_conditions,
    family_level_conditions,
    given_level_conditions,
    identifier_level_conditions,
)

# Columns of the normalised frame the model reads (lists as DuckDB VARCHAR[]).
MODEL_COLUMNS: tuple[str, ...] = (
    "unique_id", "given_std", "given_joined", "given_full", "given_canon", "given_groups",
    "given_all_groups", "given_phon", "family_std", "family_first", "family_last",
    "family_canon", "family_groups", "family_words", "family_phon", "birth_date",
    "birth_year", "birth_month", "birth_day", "dob_sorted", "sex", "ssn", "itin", "a_number", "passport", "i94", "fbi",
    "zip5", "city_std", "state_std", "street_std", "employer_ein",
)  # fmt: skip

MISSING = "MISSING"
# m and u of a level that weighs nothing (log2(m / u) = 0).
NEUTRAL = 0.01


# Splink's dialect name -> sqlglot's, for the SQL of the levels (written in DuckDB's).
SOURCE_DIALECT = "duckdb"


def _function_names(node: exp.Expression, dialect: SplinkDialect) -> exp.Expression:
    """Name the functions sqlglot cannot carry across dialects by Splink's names for them.

    DuckDB's ``jaro_winkler_similarity`` is Splink's Spark JAR's ``jaro_winkler``, and
    DuckDB's ``list_has_any`` (sqlglot's ``&&``, which Spark does not parse) is Spark's
    ``arrays_overlap``.
    """
    if isinstance(node, exp.JarowinklerSimilarity):
        return exp.Anonymous(
            this=dialect.jaro_winkler_function_name, expressions=[node.this, node.expression]
        )
    if isinstance(node, exp.ArrayOverlaps):
        return exp.Anonymous(this="arrays_overlap", expressions=[node.this, node.expression])
    return node


@cache
def dialect_sql(sql: str, dialect: str) -> str:
    """Return a level's SQL condition (DuckDB's SQL) in Splink's ``dialect`` (``spark``)."""
    if dialect == SOURCE_DIALECT or sql == "ELSE":
        return sql
    target = SplinkDialect.from_string(dialect)
    tree = sqlglot.parse_one(sql, read=SOURCE_DIALECT)
    tree = tree.transform(_function_names, target)
    return tree.sql(dialect=target.sqlglot_dialect)


class DialectLevel(ComparisonLevelCreator):
    """A level whose SQL (DuckDB's) is translated to the dialect of the Splink backend."""

    def __init__(self, sql: str, label: str) -> None:
        self.sql = sql
        self.label = label

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        """Return the level's condition in ``sql_dialect``."""
        return dialect_sql(self.sql, sql_dialect.sql_dialect_str)

    def create_label_for_charts(self) -> str:
        """Return the level's label (normalize's level name)."""
        return self.label


def _levels(
    conditions: Sequence[LevelCondition],
    tf: dict[str, str] | None = None,
    neutral: frozenset[str] = frozenset(),
) -> list[ComparisonLevelCreator | dict[str, Any]]:
    """Return Splink levels of normalize's conditions, in any Splink dialect.

    ``tf`` maps a level label to its term-frequency column; a level in ``neutral`` weighs
    nothing (m = u, fixed): the evidence is counted by another comparison.
    """
    levels: list[ComparisonLevelCreator | dict[str, Any]] = []
    for condition in conditions:
        sql = "ELSE" if condition.sql == "TRUE" else f"({condition.sql})"
        level = DialectLevel(sql, condition.label)
        if condition.label == MISSING:
            level.configure(is_null_level=True)
        if condition.label in neutral:
            level.configure(
                m_probability=NEUTRAL, u_probability=NEUTRAL,
                fix_m_probability=True, fix_u_probability=True,
            )  # fmt: skip
        if tf and condition.label in tf:
            # The exact level's own u is the base of the adjustment (its condition is
            # not a bare ``col_l = col_r``, so Splink cannot find it by itself).
            level.configure(
                tf_adjustment_column=tf[condition.label], tf_adjustment_weight=1.0,
                disable_tf_exact_match_detection=True,
            )  # fmt: skip
        levels.append(level)
    return levels


def _exact(column: str, label: str = "EXACT") -> list[LevelCondition]:
    left, right = f"{column}_l", f"{column}_r"
    return [
        LevelCondition(MISSING, f"{left} IS NULL OR {right} IS NULL"),
        LevelCondition(label, f"{left} = {right}"),
        LevelCondition("DIFFERENT", "TRUE"),
    ]


# A name mistyped on both sides of a given/family swap (ROLLIQNS ASHLEIGH for ASHLEIGH
# ROLLINS); normalize's SWAPPED level wants both names exact.
SWAPPED_FUZZY = LevelCondition(
    "SWAPPED_FUZZY",
    f"jaro_winkler_similarity(given_std_l, family_first_r) >= {JW_HIGH}"
    f" AND jaro_winkler_similarity(family_first_l, given_std_r) >= {JW_HIGH}",
)
# One name moved to the other field, the other replaced (MADISON NOYCE vs NOYCE LIAM).
CROSSED = LevelCondition(
    "CROSSED",
    f"jaro_winkler_similarity(given_std_l, family_first_r) >= {JW_HIGH}"
    f" OR jaro_winkler_similarity(family_first_l, given_std_r) >= {JW_HIGH}",
)
STREET_SIMILAR = 0.9
# The same house number and most words in common, in any order (6 LHOTSKY ST NUNKERI vs
# 6 NUNKERI LHOTSKY ST): Dice's coefficient of the two word sets. Written with functions
# sqlglot carries to Spark (split_part, not a list index whose base differs; array_length,
# not len, which Spark reads as a string's length).
_WORDS_L, _WORDS_R = "string_split(street_std_l, ' ')", "string_split(street_std_r, ' ')"
STREET_WORDS = (
    "(split_part(street_std_l, ' ', 1) = split_part(street_std_r, ' ', 1)"
    f" AND 2 * array_length(array_intersect({_WORDS_L}, {_WORDS_R}))"
    f" >= 0.7 * (array_length({_WORDS_L}) + array_length({_WORDS_R})))"
)


def with_fuzzy_swap(
    conditions: list[LevelCondition], *extra: LevelCondition
) -> list[LevelCondition]:
    """Return name levels with ``SWAPPED_FUZZY`` (and ``extra``) before ``DIFFERENT``."""
    return [*conditions[:-1], SWAPPED_FUZZY, *extra, conditions[-1]]


def address_conditions() -> list[LevelCondition]:
    """Return the address levels, from street and ZIP down to city, different, missing.

    ``STREET_SIMILAR``: the streets a typo or two apart, in one ZIP or city give or take
    a typo; ``STREET``:
    one street line in another ZIP and city (a ZIP mistyped twice); ``ZIP`` weighs by
    the ZIP's term frequency.
    """
    same_place = (
        "(zip5_l = zip5_r OR damerau_levenshtein(zip5_l, zip5_r) = 1"
        f" OR jaro_winkler_similarity(city_std_l, city_std_r) >= {STREET_SIMILAR})"
    )
    return [
        LevelCondition(
            MISSING,
            "(zip5_l IS NULL OR zip5_r IS NULL)"
            " AND (city_std_l IS NULL OR city_std_r IS NULL"
            " OR state_std_l IS NULL OR state_std_r IS NULL)",
        ),
        LevelCondition("STREET_AND_ZIP", "street_std_l = street_std_r AND zip5_l = zip5_r"),
        LevelCondition(
            "STREET_SIMILAR",
            f"(jaro_winkler_similarity(street_std_l, street_std_r) >= {STREET_SIMILAR}"
            f" OR {STREET_WORDS}) AND {same_place}",
        ),
        LevelCondition("STREET", "street_std_l = street_std_r"),
        LevelCondition("ZIP", "zip5_l = zip5_r"),
        LevelCondition("CITY", "city_std_l = city_std_r AND state_std_l = state_std_r"),
        LevelCondition("DIFFERENT", "TRUE"),
    ]


# A swap of given and family names is one event: the family-name comparison weighs it, the
# given-name comparison names it at weight 0 (two comparisons would count it twice).
SWAPS = frozenset(("SWAPPED", "SWAPPED_FUZZY"))
NEUTRAL_LEVELS: dict[str, frozenset[str]] = {"given_name": SWAPS}

# Comparison name -> (levels, TF columns per level label). The order is the explanation's.
COMPARISONS: dict[str, tuple[list[LevelCondition], dict[str, str]]] = {
    "given_name": (with_fuzzy_swap(given_level_conditions()), {"EXACT": "given_std"}),
    "family_name": (
        with_fuzzy_swap(family_level_conditions(), CROSSED),
        {"EXACT": "family_std"},
    ),
    "birth_date": (date_level_conditions("birth_date"), {}),
    "sex": (_exact("sex"), {}),
    "ssn": (identifier_level_conditions("ssn"), {}),
    "itin": (identifier_level_conditions("itin"), {}),
    "a_number": (identifier_level_conditions("a_number"), {}),
    "passport": (_exact("passport"), {}),
    "i94": (_exact("i94"), {}),
    "fbi": (_exact("fbi"), {}),
    "employer": (_exact("employer_ein"), {}),
    "address": (address_conditions(), {"ZIP": "zip5"}),
}


def comparisons() -> list[ComparisonCreator | dict[str, Any]]:
    """Return the model's comparisons, in ``COMPARISONS`` order."""
    return [
        CustomComparison(
            _levels(levels, tf, NEUTRAL_LEVELS.get(name, frozenset())), output_column_name=name
        )
        for name, (levels, tf) in COMPARISONS.items()
    ]


def level_labels() -> dict[str, list[str]]:
    """Return each comparison's level labels in Splink's order (null level first)."""
    return {name: [c.label for c in levels] for name, (levels, _) in COMPARISONS.items()}


_SWAP = ("least(given_std, family_first)", "greatest(given_std, family_first)")

PREDICTION_RULES: tuple[BlockingRuleCreator, ...] = (
    block_on("ssn"),
    block_on("itin"),
    block_on("a_number"),
    block_on("passport"),
    block_on("i94"),
    block_on("fbi"),
    block_on("given_canon", "family_canon", "dob_sorted"),
    block_on("family_phon", "dob_sorted"),
    block_on("given_phon", "dob_sorted"),
    block_on("given_canon", "family_first", "birth_year"),
    # The birth year mistyped (ONE_OFF_YEAR): the name with the day and month of birth.
    block_on("given_phon", "family_phon", "birth_month", "birth_day"),
    block_on("given_canon", "family_first", "birth_month", "birth_day"),
    # Both names written otherwise (a nickname and a misspelt surname): the birth date
    # with the first letters of the given name.
    block_on("birth_date", "substr(given_std, 1, 3)"),
    block_on("given_canon", "family_phon", "zip5"),
    block_on("street_std", "zip5", "given_phon"),
    block_on("street_std", "zip5", "family_phon"),
    block_on(*_SWAP, "dob_sorted"),
    block_on(*_SWAP, "zip5"),
    block_on("substr(ssn, 1, 4)", "family_phon"),
    block_on("substr(ssn, 6, 4)", "family_phon"),
    block_on("birth_date", "zip5"),
    block_on("birth_date", "city_std"),
    block_on("substr(ssn, 1, 4)", "birth_date"),
    block_on("right(ssn, 4)", "birth_date"),
)

# Deterministic rules whose pairs are nearly all matches: they estimate the prior.
PRIOR_RULES: tuple[BlockingRuleCreator, ...] = (
    block_on("ssn", "given_canon", "family_canon"),
    block_on("a_number", "birth_date"),
    block_on("passport", "birth_date"),
    block_on("given_canon", "family_canon", "birth_date", "sex"),
    block_on("given_canon", "family_canon", "street_std", "zip5"),
)

# EM sessions: each trains the m of every comparison its rule's columns do not feed.
EM_RULES: tuple[tuple[str, ...], ...] = (
    ("ssn",),
    ("given_canon", "family_canon", "dob_sorted"),
)


def settings(
    probability_two_random_records_match: float = 1e-4,
    rules: Sequence[BlockingRuleCreator] = PREDICTION_RULES,
) -> SettingsCreator:
    """Return the engine's Splink settings (intermediate weights kept for explanations).

    The same settings serve every Splink backend: each level's SQL and each blocking rule
    is written for the backend's dialect when Splink asks for it.
    """
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=probability_two_random_records_match,
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=list(rules),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
    )


def model_in_dialect(model: dict[str, Any], dialect: str) -> dict[str, Any]:
    """Return a copy of a trained model whose level SQL is this engine's, in ``dialect``.

    A model is stored in DuckDB's SQL whichever engine trained it; the levels' SQL is
    written again from ``COMPARISONS`` (by label), so the parameters travel, not the SQL.

    Raises:
        ValueError: a level of the model is not one of ``COMPARISONS``'.
    """
    out = copy.deepcopy(model)
    out["sql_dialect"] = dialect
    for comparison in out.get("comparisons", []):
        name = comparison.get("output_column_name")
        conditions = {c.label: c.sql for c in COMPARISONS.get(name, ([], {}))[0]}
        for level in comparison["comparison_levels"]:
            label = level.get("label_for_charts")
            if label not in conditions:
                raise ValueError(
                    f"the model's level {label!r} of comparison {name!r} is not this "
                    "engine's; resolve everything once more to train a new model"
                )
            sql = conditions[label]
            level["sql_condition"] = dialect_sql("ELSE" if sql == "TRUE" else f"({sql})", dialect)
    return out
