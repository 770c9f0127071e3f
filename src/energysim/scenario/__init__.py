"""Scenario files: schema, loading, inheritance."""

from .loader import LoadedScenario, content_hash, load_scenario, scenario_from_dict, validate_scenario
from .schema import Scenario

__all__ = ["Scenario", "LoadedScenario", "load_scenario", "scenario_from_dict", "validate_scenario", "content_hash"]
