"""Notes on scenario values that are valid but beyond the historical record (pure, no I/O).

A volume larger than world demand is refused by the schema (it is almost always kb/d written
where mb/d is meant). A smaller mistake of the same kind, ``volume_mbd: 50`` for 50 kb/d, is
still a possible market, only far beyond any loss ever seen: a run of it is a stress test at
best. Such values are not refused (a closure of a major strait is a fair question to ask) but
noted, with the record they exceed and the kb/d reading, by ``energysim run``, ``validate``
and ``compare``. The same holds for a Brent volatility above the highest 52-week volatility in
the shipped data (``volatility_annual: 35`` for 35 %).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .defaults import LARGEST_LOSS_ON_RECORD, LARGEST_LOSS_ON_RECORD_MBD, brent_volatility_record
from .loader import LoadedScenario
from .schema import KB_PER_MB, Disruption, Hazard, largest_size

__all__ = ["LARGEST_LOSS_ON_RECORD_MBD", "Note", "notes", "volume_notes", "volatility_notes"]


@dataclass(frozen=True)
class Note:
    """A remark on one key of a scenario: where it is written (file and line, if known) and what."""

    file: str | None
    line: int | None
    key: str
    text: str

    def format(self) -> str:
        where = f"{self.file}:{self.line}" if self.file and self.line else (self.file or "scenario")
        return f"{where}: note: {self.key}: {self.text}"


def volume_notes(loaded: LoadedScenario) -> list[Note]:
    """A note for each disruption or hazard whose loss (or gain) can be larger in size than the
    largest loss on record (:data:`LARGEST_LOSS_ON_RECORD_MBD`), at the line that writes it."""
    sc = loaded.scenario
    notes = []
    events: tuple[tuple[str, Sequence[Disruption | Hazard]], ...] = (
        ("disruptions", sc.disruptions), ("hazards", sc.hazards))
    for kind, items in events:
        for i, item in enumerate(items):
            value, what = largest_size(item.volume_mbd)
            if abs(value) <= LARGEST_LOSS_ON_RECORD_MBD:
                continue
            file, line = _where(loaded, (kind, i, "volume_mbd"))
            each = " per incident" if kind == "hazards" else ""
            notes.append(Note(file, line, f"{kind}[{item.name}].volume_mbd",
                              f"{what}{each} is more than the largest supply loss on record "
                              f"({LARGEST_LOSS_ON_RECORD_MBD:g} mb/d: {LARGEST_LOSS_ON_RECORD}); run as a stress test, "
                              f"or if kb/d was meant, write {value / KB_PER_MB:g}"))
    return notes


def _where(loaded: LoadedScenario, path: tuple[str | int, ...]) -> tuple[str | None, int | None]:
    file, line = loaded.origins.get(path, (None, None))
    if file is None and loaded.path is not None:
        file = str(loaded.path)
    return file, line


def volatility_notes(loaded: LoadedScenario) -> list[Note]:
    """A note for a Brent volatility (short- or long-term) that can be higher than the highest
    52-week volatility of weekly Brent in the shipped data (:func:`defaults.brent_volatility_record`):
    most often a percentage written where a fraction goes."""
    record, week = brent_volatility_record()
    market = loaded.scenario.market
    out = []
    for name in ("volatility_annual", "long_term_volatility_annual"):
        value, what = largest_size(getattr(market, name))
        if value <= record:
            continue
        file, line = _where(loaded, ("market", name))
        out.append(Note(file, line, f"market.{name}",
                        f"{what.replace(' mb/d', '')} is more than the highest 52-week volatility of weekly Brent in "
                        f"the shipped data ({record:.2f}, the year to {week}); volatilities are fractions "
                        f"per year: 35 % is 0.35"))
    return out


def notes(loaded: LoadedScenario) -> list[Note]:
    """Every note on ``loaded``: volumes, then volatilities."""
    return volume_notes(loaded) + volatility_notes(loaded)
