"""The wording of the errors about a scenario's shape and content (the catalogue of bad files,
tests/bad_scenarios/, checks that each is refused; this checks the finer rules)."""

from __future__ import annotations

from typing import Any

import pytest

from energysim.errors import ScenarioError
from energysim.scenario import scenario_from_dict


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    return [p.format() for p in info.value.problems]


# --- a hazard's window and the horizon ----------------------------------------------------------


def _hazard(window: dict[str, str]) -> dict[str, Any]:
    return {"name": "x", "horizon": {"start": "2026-01-01", "end": "2026-12-31"},
            "hazards": [{"name": "h", "rate_per_year": 2, "window": window, "volume_mbd": 0.1, "duration_days": 5}]}


@pytest.mark.parametrize("window", [
    {"start": "2025-06-01", "end": "2026-01-01"},  # its last day is the horizon's first
    {"start": "2026-12-31", "end": "2027-03-01"},  # its first day is the horizon's last
    {"start": "2025-06-01", "end": "2027-06-01"},  # around the whole horizon
])
def test_hazard_window_overlapping_the_horizon_is_accepted(window: dict[str, str]) -> None:
    scenario_from_dict(_hazard(window))


@pytest.mark.parametrize(("window", "given"), [
    ({"start": "2027-01-01", "end": "2027-06-01"}, "2027-01-01 to 2027-06-01"),
    ({"start": "2025-01-01", "end": "2025-12-31"}, "2025-01-01 to 2025-12-31"),
])
def test_hazard_window_outside_the_horizon_is_refused(window: dict[str, str], given: str) -> None:
    [problem] = _problems(_hazard(window))
    assert problem == (f"<dict>: hazards[0].window: hazard 'h' cannot start inside the horizon (2026-01-01 to "
                       f"2026-12-31): its whole window lies outside it (given: '{given}')")
