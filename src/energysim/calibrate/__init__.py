"""``energysim calibrate``: fit the price-dynamics and pass-through parameters to shipped data.

This package does the I/O (reads the CSV files in the data directory, writes
``calibration.json``); the estimation itself is in :mod:`energysim.fitting`. Modules:
:mod:`~energysim.calibrate.settings` (constants, data directory),
:mod:`~energysim.calibrate.loading` (reading and aligning the CSV files),
:mod:`~energysim.calibrate.brent` (Brent section), :mod:`~energysim.calibrate.fuels`
(pass-through section per fuel) and :mod:`~energysim.calibrate.assemble` (the whole dict and
the JSON file).

Choices (also written into the JSON, under each ``why`` key):

* Brent volatility and mean reversion: weekly log Brent sampled as the last trading day of each
  week (Friday close) from the *daily* series, 2000-2025. Point samples rather than the EIA
  weekly *averages*, because averaging within the week removes about a third of the return
  variance (Working 1960) and would bias the volatility down. The expected path is a centred
  104-week (2-year) moving average: it carries the multi-year level swings that the EIA
  baseline is meant to represent, and leaves the within-year swings to the OU factor.
* Pass-through: weekly retail (Monday survey) against the EIA weekly-average Brent of the week
  ending the Friday before (3 days earlier), i.e. the crude cost the market has seen when the
  survey is taken. Fitted on 2010-2025 (after the 2008-09 crash; E10 gasoline and ULSD diesel
  throughout) with 2019, 2023 and 2025 held out; the years 2008-2009 only warm up the
  effective-crude filter. A monthly seasonal profile (12 values, mean zero) is fitted jointly.
* Current margin regime: the intercept the engine uses is refitted, with slope, lags and season
  held fixed, on the last 104 weeks of data (2024-2025), because retail margins and crack spreads
  have sat well above their 2010-2021 level since 2022. Rolling-origin scores (fit up to the end
  of year Y-1, level from the 104 weeks before Y, score Y, for Y in 2019, 2023, 2024, 2025)
  decide it: the recent level is used only if its mean held-out MAE beats the long-run intercept.
"""

from __future__ import annotations

from .assemble import run_calibration, write_calibration
from .settings import DATA_VINTAGE, SCHEMA_VERSION, data_dir

__all__ = ["DATA_VINTAGE", "SCHEMA_VERSION", "data_dir", "run_calibration", "write_calibration"]
