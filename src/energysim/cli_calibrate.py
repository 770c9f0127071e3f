"""``energysim calibrate``: refit the model's data-driven defaults and write data/calibration.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .cli_options import OutPath
from .errors import ScenarioError

__all__ = ["calibrate", "calibration_summary"]


def calibration_summary(cal: dict[str, Any]) -> str:
    """Plain-text summary of the key fitted values and their statistics."""
    b = cal["brent"]
    boot = b["fit"]["bootstrap"]
    w = b["window"]
    lines = [
        f"Brent (weekly Friday closes {w['start']} to {w['end']}, {b['n_obs']} AR(1) pairs)",
        f"  short-term volatility   {b['volatility_annual']:.3f} /sqrt(yr)  "
        f"(bootstrap s.e. {boot['se_volatility_annual']:.3f}; Schwartz & Smith 0.29)",
        f"  mean reversion          {b['mean_reversion_per_year']:.2f} /yr  half-life "
        f"{b['half_life_days']:.0f} d  (bootstrap s.e. {boot['se_mean_reversion_per_year']:.2f}; S&S 1.5)",
    ]
    if "long_term_volatility_annual" in b:
        lt = b["long_term"]
        lines.append(
            f"  long-term volatility    {b['long_term_volatility_annual']:.3f} /sqrt(yr)  "
            f"(52-week change sd {lt['sd_52_week_log_change']:.2f}; "
            f"one-year sd {lt['one_year_sd_from_known_start']:.2f}; S&S 0.15)"
        )
    for key, f in cal["fuels"].items():
        h, lv, tr = f["holdout"], f["level"], f["train"]
        se = tr["std_errors"]
        slope_se_cents = se["slope"] * 100.0 / 42.0  # the slope's s.e. in c/gal per USD/bbl
        tau_up = (f"{f['tau_up_weeks']:.1f} wk (at its lower bound: under about a week)"
                  if tr.get("tau_at_bound", {}).get("tau_up_weeks") else
                  f"{f['tau_up_weeks']:.1f} wk (s.e. {se['tau_up_weeks']:.1f})")
        if lv["used"] == "recent":
            level = (f"{f['intercept_usd_per_gal']:.3f} USD/gal, the mean of the last {lv['recent_window']['n_obs']} "
                     f"weeks (s.e. {lv['recent_se_hac_usd_per_gal']:.3f}); long-run fit "
                     f"{lv['long_run_intercept_usd_per_gal']:.3f} (s.e. {se['intercept_usd_per_gal']:.3f})")
        else:
            level = f"{f['intercept_usd_per_gal']:.3f} USD/gal, the long-run fit (s.e. {se['intercept_usd_per_gal']:.3f})"
        lines += [
            f"{key} pass-through (train {tr['start']} to {tr['end']}, R2 {tr['r2']:.2f}; Newey-West s.e.)",
            f"  slope     {f['slope_cents_per_gal_per_usd_per_bbl']:.2f} c/gal per USD/bbl "
            f"(s.e. {slope_se_cents:.2f}; 1/42 = 2.38)",
            f"  tau up    {tau_up}",
            f"  tau down  {f['tau_down_weeks']:.1f} wk (s.e. {se['tau_down_weeks']:.1f})",
            f"  level     {level}",
            f"  crack sd  {f['crack_sd_usd_per_gal']:.3f} USD/gal",
            f"  error     rolling-origin MAE {', '.join(map(str, lv['rolling_years']))}: "
            f"{lv['rolling_mean_mae_recent_cents_per_gal']:.1f} c/gal with the recent level, "
            f"{lv['rolling_mean_mae_long_run_cents_per_gal']:.1f} with the long-run one",
            f"            held-out {', '.join(map(str, h['years']))} with the long-run fit: "
            f"{h['mae_cents_per_gal']:.1f} c/gal (naive crude/42 + constant: {h['naive_mae_cents_per_gal']:.1f})",
        ]
    return "\n".join(lines)


@click.command()
@click.option("--out", "out_file", type=OutPath(), default=None,
              help="Where to write the JSON (default: data/calibration.json of the project).")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Folder with the shipped CSV files (default: the project's data/).")
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
def calibrate(out_file: Path | None, data_dir: Path | None, quiet: bool) -> None:
    """Fit Brent dynamics and retail pass-through to the shipped data; write calibration.json."""
    from . import calibrate as cal_mod
    from .runio import check_out_file

    target = out_file if out_file is not None else cal_mod.data_dir() / "calibration.json"
    check_out_file(target)
    try:
        result = cal_mod.write_calibration(target, data_dir)
    except (FileNotFoundError, ValueError) as exc:
        if isinstance(exc, ScenarioError):
            raise
        raise ScenarioError.at(str(data_dir or cal_mod.data_dir()), str(exc)) from None
    if not quiet:
        click.echo(calibration_summary(result))
        click.echo(f"\nWrote {target}")
