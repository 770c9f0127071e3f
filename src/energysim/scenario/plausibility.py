"""Notes on scenario values that are valid but beyond the historical record (pure, no I/O).

A volume larger than world demand is refused by the schema (it is almost always kb/d written
where mb/d is meant). A smaller mistake of the same kind, ``volume_mbd: 50`` for 50 kb/d, is
still a possible market, only far beyond any loss ever seen: a run of it is a stress test at
best. Such values are not refused (a closure of a major strait is a fair question to ask) but
noted, with the record they exceed and the kb/d reading, by ``energysim run``, ``validate``
and ``compare``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .defaults import LARGEST_LOSS_ON_RECORD, LARGEST_LOSS_ON_RECORD_MBD
from .loader import LoadedScenario
from .schema import KB_PER_MB, Disruption, Hazard, largest_size

__all__ = ["LARGEST_LOSS_ON_RECORD_MBD", "Note", "volume_notes"]


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
            file, line = loaded.origins.get((kind, i, "volume_mbd"), (None, None))
            if file is None and loaded.path is not None:
                file = str(loaded.path)
            each = " per incident" if kind == "hazards" else ""
            notes.append(Note(file, line, f"{kind}[{item.name}].volume_mbd",
                              f"{what}{each} is more than the largest supply loss on record "
                              f"({LARGEST_LOSS_ON_RECORD_MBD:g} mb/d: {LARGEST_LOSS_ON_RECORD}); run as a stress test, "
                              f"or if kb/d was meant, write {value / KB_PER_MB:g}"))
    return notes
