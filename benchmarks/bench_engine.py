"""Benchmark of the Monte Carlo engine against the cost of its random draws (issue 6).

Run from the repository root::

    .venv/bin/python benchmarks/bench_engine.py            # full run, a minute or two
    .venv/bin/python benchmarks/bench_engine.py --quick    # 1e5 paths at most, for a smoke test

It prints one table and writes ``benchmarks/results.json`` (the committed record of the last full
run); ``--quick`` writes ``benchmarks/results-quick.json`` instead (not committed), so a smoke test
never replaces the record; ``--out`` chooses another file. Measured:

- floor: 1,000,000 x 53 standard normals with ``numpy.random.default_rng().standard_normal``
  on one thread, measured right before the engine, median of ``--reps`` repetitions;
- engine: ``energysim.simulate`` on the scenario at 1,000,000 paths, weekly steps over 2026,
  quantiles included (no charts), median of ``--reps`` repetitions; the ratio engine / floor;
- the model's own normals: every noise stream of the scenario (two Brent factors, one crack
  spread per fuel) at 1,000,000 x 53 each, generated as the engine does (kernels.rng), one
  thread; the ratio engine / those draws;
- scaling: 10^4, 10^5, 10^6 paths weekly, and daily steps;
- peak resident memory (each in a fresh process) at 10^6 paths weekly and daily;
- a straightforward Python loop over paths and steps (what one would write by hand) at 10^3
  paths, extrapolated to 10^6.

This is a benchmark, not a test: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios" / "maduro_capture.yaml"
FLOOR_SHAPE = (1_000_000, 53)


def load(path: Path, step: str | None = None):  # noqa: ANN201 - a LoadedScenario
    import energysim

    loaded = energysim.load_scenario(path)
    if step is None or step == loaded.scenario.horizon.step:
        return loaded
    sc = loaded.scenario
    return dataclasses.replace(loaded, scenario=sc.model_copy(
        update={"horizon": sc.horizon.model_copy(update={"step": step})}))


def floor_seconds(reps: int) -> list[float]:
    out = []
    for _ in range(reps):
        rng = np.random.default_rng()
        t = time.perf_counter()
        rng.standard_normal(FLOOR_SHAPE)
        out.append(time.perf_counter() - t)
    return out


def model_draws_seconds(path: Path, reps: int) -> list[float]:
    """The engine's own noise on one thread: the model's normal streams (two Brent factors and
    one crack spread per noisy fuel) for 1,000,000 x 53, as kernels.rng generates them."""
    import energysim
    from energysim.kernels import rng

    sc = energysim.load_scenario(path).scenario
    streams = 2 + sum(1 for f in sc.fuels.values() if f.crack_spread.sd > 0)
    out = np.empty(FLOOR_SHAPE)
    rng.fill_normals(out[:10], np.uint64(1))  # compile or load
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        for s in range(streams):
            rng.fill_normals(out, np.uint64(7 + s))
        times.append(time.perf_counter() - t)
    return times


def engine_seconds(path: Path, paths: int, step: str | None, reps: int, workers: int | None = None) -> list[float]:
    import energysim

    loaded = load(path, step)
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        energysim.simulate(loaded, paths=paths, workers=workers)
        out.append(time.perf_counter() - t)
    return out


def child(path: Path, paths: int, step: str) -> dict[str, float]:
    """One run in a fresh process: wall time and peak resident memory."""
    code = (
        f"import sys, time, resource, json; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from bench_engine import load\n"
        "import energysim\n"
        f"ld = load(__import__('pathlib').Path({str(path)!r}), {step!r})\n"
        f"t = time.perf_counter(); r = energysim.simulate(ld, paths={paths:d})\n"
        "print(json.dumps({'seconds': time.perf_counter() - t, 'kept_paths': r._paths is not None,\n"
        "  'peak_rss_gib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(res.stdout.strip().splitlines()[-1])


def python_loop_seconds(path: Path, paths: int) -> float:
    """The model of the scenario written as a plain loop over paths and steps, in Python floats.

    Same equations as the engine for what dominates the cost (short- and long-term Brent
    factors, the disruption trapezoid and its premium, Poisson incidents with premia, spare
    capacity after a lag, the price of the net loss, asymmetric pass-through and crack-spread
    noise per fuel); it omits the stock release and the tightness multiplier, so it is, if
    anything, an underestimate of a hand-written version's cost.
    """
    from energysim.inputs import build_inputs

    loaded = load(path)
    sc = loaded.scenario
    inp = build_inputs(loaded)
    rng = np.random.default_rng(1)
    gauss = random.Random(1).gauss
    dt = [float(x) for x in inp.dt_years]
    t_days = [float(x) for x in inp.t_days]
    base = [float(x) for x in inp.baseline_usd_per_bbl]
    mk = sc.market
    sig = float(np.mean(mk.volatility_annual.sample(rng, 1000)))
    kap = float(np.mean(mk.mean_reversion_per_year.sample(rng, 1000)))
    sig_lt = float(np.mean(mk.long_term_volatility_annual.sample(rng, 1000))) if hasattr(mk, "long_term_volatility_annual") else 0.0
    t0 = time.perf_counter()
    for _ in range(paths):
        e_s = float(mk.supply_elasticity.sample(rng, 1)[0])
        e_d = float(mk.demand_elasticity.sample(rng, 1)[0])
        demand = float(mk.world_demand_mbd.sample(rng, 1)[0])
        events = []  # (start, ramp, plateau, recovery, volume, premium, half-life)
        for d in sc.disruptions:
            if rng.random() < float(d.probability.sample(rng, 1)[0]):
                s = float(d.start.to_days(sc.horizon.start).sample(rng, 1)[0])
                rp = d.risk_premium
                events.append((s, float(d.ramp_up_days.sample(rng, 1)[0]), float(d.duration_days.sample(rng, 1)[0]),
                               float(d.recovery_days.sample(rng, 1)[0]), float(d.volume_mbd.sample(rng, 1)[0]),
                               float(rp.peak_pct.sample(rng, 1)[0]) if rp else 0.0,
                               float(rp.half_life_days.sample(rng, 1)[0]) if rp else 1.0))
        for hz in sc.hazards:
            for _k in range(rng.poisson(float(hz.rate_per_year.sample(rng, 1)[0]))):
                rp = hz.risk_premium
                events.append((rng.random() * 360, 0.0, float(hz.duration_days.sample(rng, 1)[0]), 0.0,
                               float(hz.volume_mbd.sample(rng, 1)[0]),
                               float(rp.peak_pct.sample(rng, 1)[0]) if rp else 0.0,
                               float(rp.half_life_days.sample(rng, 1)[0]) if rp else 1.0))
        x = y = 0.0
        gross_hist: list[float] = []
        brent = []
        for j, tj in enumerate(t_days):
            phi = math.exp(-kap * dt[j])
            x = x * phi + sig * math.sqrt((1 - phi * phi) / (2 * kap)) * gauss(0.0, 1.0)
            y += sig_lt * math.sqrt(dt[j]) * gauss(0.0, 1.0)
            loss = prem = 0.0
            for s, r, p, c, v, pk, hl in events:
                if tj >= s:
                    u = tj - s
                    share = u / r if u < r else 1.0 if u < r + p else max(0.0, 1 - (u - r - p) / c) if c > 0 else 0.0
                    loss += v * share
                    prem += math.log1p(pk / 100) * math.exp(-math.log(2) * u / hl)
            gross_hist.append(loss)
            lagged = gross_hist[j - 8] if j >= 8 else 0.0
            net = loss - min(0.5 * max(lagged, 0.0), 3.0)
            brent.append(base[j] * math.exp(x + y + net / demand / (e_s - e_d) + prem))
        for fuel in sc.fuels.values():
            eff = float(inp.brent_before_usd_per_bbl)
            u = 0.0
            a_up = 1 - math.exp(-1 / max(fuel.tau_up_weeks, 1e-9))
            a_dn = 1 - math.exp(-1 / max(fuel.tau_down_weeks, 1e-9))
            cs = fuel.crack_spread
            for j in range(len(t_days)):
                gap = brent[j] - eff
                eff += (a_up if gap > 0 else a_dn) * gap
                ph = math.exp(-cs.reversion_per_year * dt[j])
                u = u * ph + cs.sd * math.sqrt(1 - ph * ph) * gauss(0.0, 1.0)
                _ = fuel.taxes + fuel.margin_and_crack + fuel.slope * eff / fuel.units_per_bbl + u
    return time.perf_counter() - t0


def cpu_description() -> str:
    """The processor as Linux describes it (model name, family/model, the widest vector
    extension), since the ratio depends on the microarchitecture; the platform's name elsewhere."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or platform.machine()
    info: dict[str, str] = {}
    for line in text.split("\n\n")[0].splitlines():
        key, _, value = line.partition(":")
        info.setdefault(key.strip(), value.strip())
    flags = set(info.get("flags", "").split())
    vector = next((f for f in ("avx512f", "avx2", "avx", "sse4_2", "asimd") if f in flags), "")
    return (f"{info.get('model name', platform.machine())}, family {info.get('cpu family', '?')} "
            f"model {info.get('model', '?')}, {info.get('cpu MHz', '?')} MHz" + (f", {vector}" if vector else ""))


def default_output(quick: bool) -> Path:
    """Where the results go: a quick run's never over the committed full run's."""
    return ROOT / "benchmarks" / ("results-quick.json" if quick else "results.json")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="at most 1e5 paths (smoke test of the script)")
    ap.add_argument("--skip-daily-1e6", action="store_true", help="skip the slowest measurement")
    ap.add_argument("--out", type=Path, default=None,
                    help="JSON file written (default: benchmarks/results.json, with --quick results-quick.json)")
    args = ap.parse_args(argv)
    out = args.out if args.out is not None else default_output(args.quick)
    big = 100_000 if args.quick else 1_000_000
    scen = args.scenario if args.scenario.is_file() else ROOT / "scenarios" / "baseline_2026.yaml"
    rows: list[tuple[str, str]] = []
    res: dict[str, object] = {
        "scenario": str(scen.relative_to(ROOT)), "paths": big, "cpus": os.cpu_count(),
        "machine": platform.machine(), "cpu": cpu_description(), "python": platform.python_version(),
        "numpy": np.__version__, "load_average_at_start": os.getloadavg(),
    }
    engine_seconds(scen, 20_000, None, 1)  # warm up: imports, data files, caches
    floor = floor_seconds(args.reps)
    eng = engine_seconds(scen, big, None, args.reps)
    f_med, e_med = statistics.median(floor), statistics.median(eng)
    scale_big = big / FLOOR_SHAPE[0]
    res["floor_seconds"] = floor
    res["engine_weekly_seconds"] = eng
    res["ratio_engine_over_floor"] = e_med / (f_med * scale_big)
    rows += [("floor: 1e6 x 53 normals, 1 thread (median)", f"{f_med:.3f} s"),
             (f"engine: {big:.0e} paths weekly (median)", f"{e_med:.3f} s"),
             ("ratio engine / floor", f"{res['ratio_engine_over_floor']:.2f}")]
    own = model_draws_seconds(scen, args.reps)
    res["model_draws_seconds"] = own
    res["ratio_engine_over_model_draws"] = e_med / (statistics.median(own) * scale_big)
    rows += [("the model's own normals (all its streams), 1 thread", f"{statistics.median(own):.3f} s"),
             ("ratio engine / the model's own normals", f"{res['ratio_engine_over_model_draws']:.2f}")]
    one = engine_seconds(scen, big, None, 1, workers=1)[0]
    res["engine_weekly_one_worker_seconds"] = one
    rows.append((f"engine: {big:.0e} paths weekly, 1 worker", f"{one:.3f} s"))
    scaling = {}
    for n in (10_000, 100_000, 1_000_000):
        if n > big:
            continue
        t = e_med if n == big else statistics.median(engine_seconds(scen, n, None, args.reps))
        scaling[str(n)] = t
        rows.append((f"scaling: {n:.0e} paths weekly", f"{t:.3f} s  ({t / n * 1e6:.2f} s per 1e6)"))
    res["scaling_weekly_seconds"] = scaling
    mem = {}
    for step in ("week", "day"):
        n = big
        if step == "day" and args.skip_daily_1e6:
            n = min(big, 100_000)
        r = child(scen, n, step)
        mem[f"{step}_{n}"] = r
        rows.append((f"fresh process: {n:.0e} paths {'daily' if step == 'day' else 'weekly'}", f"{r['seconds']:.1f} s, peak RSS {r['peak_rss_gib']:.2f} GiB"
                     + ("" if r["kept_paths"] else ", paths not kept")))
    res["fresh_process_runs"] = mem
    n_loop = 1_000
    loop = python_loop_seconds(scen, n_loop)
    res["python_loop_seconds_1e3"] = loop
    res["python_loop_extrapolated_1e6_seconds"] = loop * 1e6 / n_loop
    rows.append(("python loop, 1e3 paths (x1000 = 1e6)", f"{loop:.2f} s  (~{loop * 1000 / 60:.0f} min for 1e6)"))
    res["load_average_at_end"] = os.getloadavg()
    res["peak_rss_gib_this_process"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    width = max(len(k) for k, _ in rows)
    print(f"energysim engine benchmark: {res['scenario']}, {os.cpu_count()} CPUs ({res['cpu']}), numpy {np.__version__}")
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")
    out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
