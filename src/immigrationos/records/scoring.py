"""How close a record is to a query: name similarity (Jaro-Winkler) and birth-date nearness."""

from __future__ import annotations

from datetime import date, timedelta

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from immigrationos.records.normalize import PARTICLES

# Below this name similarity a candidate is not a match for the name asked for.
MIN_NAME_SCORE = 0.75
# Birth dates as dirty records write them: day and month swapped, year off by one, a slip.
SWAPPED_SCORE, YEAR_OFF_SCORE, DAYS_OFF_SCORE = 0.85, 0.8, 0.75
DAYS_OFF = 10


def _core(words: list[str]) -> list[str]:
    return [w for w in words if w not in PARTICLES] or words


class NameScorer:
    """Score records' folded names against one query's words; each distinct name once.

    Records share words (a family name) more than whole names, so each distinct word's
    similarities with the query's words are also computed once.
    """

    def __init__(self, words: tuple[str, ...]) -> None:
        self.words = list(words)
        self.core = _core(self.words)
        self.joined = "".join(self.words)
        self.spaced = " ".join(self.words)
        self._cache: dict[tuple[str | None, str | None], float] = {}
        self._by_word: dict[str, tuple[tuple[float, ...], float]] = {}

    def score(self, given: str | None, family: str | None) -> float:
        """Return the similarity of a record's folded given and family names, 0 to 1.

        The mean, over the query's words, of the best Jaro-Winkler similarity with any of
        the record's words (order-free, so swapped names still match), with a tenth for
        how well the record's own words are covered; or, when higher, the similarity of the
        names run together (``DELACRUZ`` and ``DE LA CRUZ``). A twentieth rewards the
        query's word order, so the exact spelling in the exact order ranks first.
        """
        key = (given, family)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._score(given or "", family or "")
        return found

    def _word(self, word: str) -> tuple[tuple[float, ...], float]:
        """Return (and keep) a word's similarity to each core query word, and its best to any."""
        sim = JaroWinkler.normalized_similarity
        found = self._by_word[word] = (
            tuple(sim(q, word) for q in self.core),
            max(sim(word, q) for q in self.words),
        )
        return found

    def _score(self, given: str, family: str) -> float:
        record = (given + " " + family).split()
        if not record:
            return 0.0
        known = self._by_word
        by_word = [known.get(r) or self._word(r) for r in record]
        # Per core query word (a column), its best match among the record's words.
        query_side = sum(map(max, zip(*[sims for sims, _ in by_word], strict=True))) / len(
            self.core
        )
        # Per core record word, its best match among the query's words.
        core = [best for r, (_, best) in zip(record, by_word, strict=True) if r not in PARTICLES]
        core = core or [best for _, best in by_word]
        record_side = sum(core) / len(core)
        by_words = 0.9 * query_side + 0.1 * record_side
        run_given, run_family = given.replace(" ", ""), family.replace(" ", "")
        run_together = (
            max(
                fuzz.ratio(self.joined, run_given + run_family),
                fuzz.ratio(self.joined, run_family + run_given),
            )
            / 100.0
        )
        order = fuzz.ratio(self.spaced, " ".join(record)) / 100.0
        return round(0.95 * max(by_words, run_together) + 0.05 * order, 6)


def near_birth_dates(day: date) -> list[date]:
    """Return the dates a record of someone born on ``day`` may carry, ``day`` first."""
    found = [day]
    if day.day <= 12 and day.day != day.month:
        found.append(date(day.year, day.day, day.month))
    for year in (day.year - 1, day.year + 1):
        found.append(date(year, day.month, min(day.day, 28) if day.month == 2 else day.day))
    return list(dict.fromkeys(found))


def birth_date_score(asked: date, value: date | None) -> float:
    """Return how well a record's birth date fits the one asked for (0 when it does not)."""
    if value is None:
        return 0.0
    if value == asked:
        return 1.0
    if asked.day <= 12 and value == date(asked.year, asked.day, asked.month):
        return SWAPPED_SCORE
    if abs(value.year - asked.year) == 1 and (value.month, value.day) == (
        asked.month,
        min(asked.day, 28) if asked.month == 2 else asked.day,
    ):
        return YEAR_OFF_SCORE
    if abs(value - asked) <= timedelta(days=DAYS_OFF):
        return DAYS_OFF_SCORE
    return 0.0
