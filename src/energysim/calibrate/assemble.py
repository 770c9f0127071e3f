"""Assembling the calibration dict (Brent, fuels, elasticities, units) and writing it as JSON:
rounded to 6 significant digits, keys sorted, replaced atomically."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..runio import write_file
from .brent import _calibrate_brent
from .fuels import _fuel_block
from .settings import DATA_VINTAGE, FUEL_FILES, SCHEMA_VERSION, SIG_DIGITS, data_dir

__all__ = ["run_calibration", "write_calibration"]

_default_data_dir = data_dir  # the argument of run_calibration shadows the name


# ---------------------------------------------------------------------------------------------
# Assembly and output
# ---------------------------------------------------------------------------------------------


def _elasticities() -> dict[str, Any]:
    return {
        "supply": {
            "dist": "triangular",
            "low": 0.0,
            "mode": 0.05,
            "high": 0.15,
            "source": (
                "references §1: working consensus 0.05 (0 … 0.15); Kilian & Murphy 2014; "
                "Baumeister & Hamilton 2019; Caldara, Cavallo & Iacoviello 2019"
            ),
        },
        "demand": {
            "dist": "triangular",
            "low": -0.35,
            "mode": -0.15,
            "high": -0.05,
            "source": (
                "references §1: working consensus -0.15 (-0.05 … -0.35); Kilian & Murphy 2014 "
                "(-0.26); Baumeister & Hamilton 2019 (-0.35); Caldara, Cavallo & Iacoviello 2019 "
                "(-0.13); traditional models -0.05 … -0.20"
            ),
        },
    }


def run_calibration(data_dir: Path | None = None) -> dict[str, Any]:
    """Fit every calibrated parameter to the shipped data and return the calibration dict.

    Parameters
    ----------
    data_dir : Path, optional
        Directory holding the CSV files (default: :func:`data_dir`).

    Returns
    -------
    dict
        JSON-ready calibration (schema version 1), unrounded.
    """
    ddir = Path(data_dir) if data_dir is not None else _default_data_dir()
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_by": "energysim calibrate",
        "data_vintage": DATA_VINTAGE,
        "brent": _calibrate_brent(ddir),
        "fuels": {fuel: _fuel_block(ddir, fuel, f) for fuel, f in FUEL_FILES.items()},
        "elasticities": _elasticities(),
        "units": {
            "volatility_annual": "1/sqrt(yr), log price",
            "mean_reversion_per_year": "1/yr",
            "intercept_usd_per_gal": "USD/gal",
            "slope": "retail USD/gal per crude USD/gal (crude/42)",
            "tau": "weeks",
            "crack_sd_usd_per_gal": "USD/gal, stationary sd of the AR(1) crack deviation",
            "seasonal_usd_per_gal": "USD/gal by calendar month, January first, mean zero",
        },
    }


def _round(obj: Any, digits: int = SIG_DIGITS) -> Any:
    """Round floats to ``digits`` significant digits (NaN/inf become None) recursively."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        if not math.isfinite(x):
            return None
        return float(f"{x:.{digits}g}")
    if isinstance(obj, dict):
        return {str(k): _round(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_round(v, digits) for v in obj]
    raise TypeError(f"calibration: cannot serialise {type(obj).__name__}: {obj!r}")


def write_calibration(out_path: Path, data_dir: Path | None = None) -> dict[str, Any]:
    """Run the calibration and write it as JSON, atomically.

    Floats are rounded to 6 significant digits and keys sorted, so reruns on the same data are
    byte-identical. The file is written with :func:`energysim.runio.write_file`: to a temporary
    file in the same directory, moved into place when complete.

    Parameters
    ----------
    out_path : Path
        Destination file.
    data_dir : Path, optional
        Directory holding the CSV files (default: :func:`data_dir`).

    Returns
    -------
    dict
        The rounded calibration that was written.
    """
    result = _round(run_calibration(data_dir))
    text = json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_file(out, text)
    return result
