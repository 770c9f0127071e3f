"""energysim: energy-market scenario simulator for supply disruptions.

From a scenario file to crude, gasoline and diesel price ranges::

    import energysim
    sc = energysim.load_scenario("scenarios/maduro_capture.yaml")
    result = energysim.simulate(sc, paths=10_000, seed=1)
    result.quantiles()            # tidy DataFrame: date, series, quantile, value
    result.paths("us_gasoline_usd_per_gal")   # ndarray, paths x steps

A scenario is frozen; change a value in code with ``model_copy(update=...)``: :func:`simulate`
validates the scenario again (as :func:`validate_scenario` does) before it runs. A scenario
from a mapping (e.g. YAML text) is built by :func:`scenario_from_dict`.
"""

__version__ = "0.1.0"

from .engine import simulate  # noqa: E402
from .errors import EnergysimError, ScenarioError  # noqa: E402
from .reference import no_disruption_reference  # noqa: E402
from .results import SimulationResult  # noqa: E402
from .scenario import Scenario, load_scenario, scenario_from_dict, validate_scenario  # noqa: E402

__all__ = ["__version__", "load_scenario", "scenario_from_dict", "validate_scenario", "simulate", "Scenario",
           "SimulationResult", "ScenarioError", "EnergysimError", "no_disruption_reference"]
