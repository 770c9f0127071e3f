"""Scenario files: schema, loading, inheritance.

A :class:`Scenario` comes from a file (:func:`load_scenario`, which resolves ``extends``) or from a
complete mapping (:func:`scenario_from_dict`, which refuses ``extends``). It is frozen; change a
value in code with ``model_copy(update=...)``, for example::

    d = sc.disruptions[0]
    edited = sc.model_copy(update={"disruptions": [d.model_copy(update={"probability": 0.9})]})

``model_copy`` does not validate: :func:`energysim.simulate` validates the scenario again before
it runs, and :func:`validate_scenario` does it alone (returning the validated copy), both with the
rules and messages of a file.
"""

from .loader import LoadedScenario, content_hash, load_scenario, scenario_from_dict, validate_scenario
from .schema import Scenario

__all__ = ["Scenario", "LoadedScenario", "load_scenario", "scenario_from_dict", "validate_scenario", "content_hash"]
