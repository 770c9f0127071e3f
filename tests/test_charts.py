"""Charts: render cleanly, stand alone, reproducible bytes, no overlapping labels, image regression.

Image regression: the main charts are drawn from a synthetic :class:`RunView` (fixed arrays, no
simulation, so model changes do not move them) and compared with tests/images/:

- the SVG (text kept as text, fonts not embedded) must match exactly, after dropping the
  matplotlib version line; it is compared only when the matplotlib version equals the one that
  made the baseline (tests/images/VERSIONS.json);
- the PNG is compared pixel by pixel with matplotlib's RMS tolerance, which absorbs FreeType
  differences between machines.

Regenerate the baselines after an intended change of the charts with::

    ENERGYSIM_UPDATE_IMAGES=1 .venv/bin/python -m pytest tests/test_charts.py

and look at the new PNGs in tests/images/ before committing them.
"""

from __future__ import annotations

import colorsys
import dataclasses
import datetime as dt
import json
import os
import re
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.testing.compare import compare_images

from energysim import charts, charts_differences, texts
from energysim.errors import ScenarioError
from energysim.runview import MAX_LEVELS, SUMMARY_LEVELS, RunView
from energysim.scenario import scenario_from_dict

IMAGES = Path(__file__).parent / "images"
UPDATE = os.environ.get("ENERGYSIM_UPDATE_IMAGES") == "1"
PNG_TOLERANCE = 2.0  # RMS over 0-255 pixel values


def synthetic_view() -> RunView:
    """A fixed, hand-made run: weekly 2026, a rising fan, a year of history (no simulation)."""
    sc = scenario_from_dict({"name": "synthetic", "title": "Synthetic test scenario: a supply loss in spring",
                             "fuels": {}, "outputs": {"thresholds": {"brent_usd_per_bbl": [80.0, 100.0, 200.0]}}})
    sc = sc.model_copy(update={"fuels": scenario_from_dict({"name": "x"}).fuels})
    dates = np.arange(np.datetime64("2026-01-01"), np.datetime64("2027-01-01"), 7, dtype="datetime64[D]")
    months = np.arange(np.datetime64("2026-01"), np.datetime64("2027-01"), dtype="datetime64[M]")
    t = np.linspace(0, 1, dates.size)
    hist_dates = np.arange(np.datetime64("2025-01-03"), np.datetime64("2026-01-01"), 7, dtype="datetime64[D]")
    h = np.linspace(0, 6 * np.pi, hist_dates.size)
    levels = (0.05, 0.25, 0.5, 0.75, 0.95)
    z = np.array([-1.645, -0.674, 0.0, 0.674, 1.645])
    spec = {  # series: (start, drift, spread, history level, history wiggle, thresholds)
        "brent_usd_per_bbl": (62.0, 8.0, 0.25, 66.0, 4.0, [(80.0, 0.3512, 0.0034), (100.0, 0.0871, 0.002),
                                                          (200.0, 0.0, 0.0)]),
        "us_gasoline_usd_per_gal": (2.85, 0.25, 0.12, 3.1, 0.1, [(4.0, 0.0263, 0.0011), (5.0, 0.001, 0.0002)]),
        "us_diesel_usd_per_gal": (3.5, 0.35, 0.13, 3.7, 0.12, [(5.0, 0.018, 0.001), (6.0, 0.0, 0.0)]),
        "net_supply_loss_mbd": (0.0, 0.3, 0.5, 0.0, 0.0, []),
    }
    v = RunView(scenario=sc, metadata={"scenario": "synthetic", "title": sc.title, "scenario_hash": "0123456789ab",
                                       "seed": 7, "paths": 20000, "version": "0.0.test", "data_vintage": "2025-12-31"},
                summary={"series": {}}, dates=dates, months=months, series=tuple(spec), levels=levels,
                quantiles={}, baseline={}, baseline_monthly={}, monthly_q={}, history_dates={}, history_values={})
    for s, (x0, drift, spread, hl, hw, th) in spec.items():
        mid = x0 + drift * np.sin(np.pi * t)
        v.quantiles[s] = np.vstack([mid * np.exp(zz * spread * np.sqrt(t)) if x0 else mid + zz * spread * np.sqrt(t)
                                    for zz in z])
        v.baseline[s] = np.full(dates.size, x0) * (1 - 0.05 * t) if x0 else np.zeros(dates.size)
        v.baseline_monthly[s] = np.full(months.size, float(np.mean(v.baseline[s])))
        v.monthly_q[s] = np.vstack([np.full(months.size, x0 * f) for f in (0.9, 1.0, 1.2)])
        v.baseline_means[s] = float(np.mean(v.baseline[s]))
        v.mean_q[s] = dict(zip(SUMMARY_LEVELS, (x0 * 0.9, x0 + drift / 2, x0 * 1.2)))
        v.mean_q_se[s] = dict.fromkeys(SUMMARY_LEVELS, 0.001)
        v.max_q[s] = dict(zip(MAX_LEVELS, (x0 * 1.1, x0 * 1.3, x0 * 1.4)))
        v.peak[s] = ("2026-06", x0 * 1.25)
        v.thresholds[s] = th
        if s != "net_supply_loss_mbd":
            v.history_dates[s] = hist_dates
            v.history_values[s] = hl + hw * np.sin(h)
    return v


def scaled_view(series: str, factor: float) -> RunView:
    """The synthetic run with one series' prices (fan, baseline, history) multiplied by ``factor``
    and its thresholds kept: an extreme run whose threshold lines crowd at the bottom."""
    v = synthetic_view()
    v.quantiles[series] = v.quantiles[series] * factor
    v.baseline[series] = v.baseline[series] * factor
    v.history_values[series] = v.history_values[series] * factor
    return v


@pytest.fixture(scope="module")
def view() -> RunView:
    return synthetic_view()


MAIN = ("us_gasoline_usd_per_gal", "brent_usd_per_bbl", "us_diesel_usd_per_gal")


def _strip_svg(text: str) -> str:
    return re.sub(r"<dc:title>.*?</dc:title>|Matplotlib v[\w.+-]+", "", text, flags=re.S)


def _matches_the_baseline_image(png: Path, svg: Path) -> None:
    versions_file = IMAGES / "VERSIONS.json"
    if UPDATE:
        IMAGES.mkdir(exist_ok=True)
        (IMAGES / png.name).write_bytes(png.read_bytes())
        (IMAGES / svg.name).write_bytes(svg.read_bytes())
        versions_file.write_text(json.dumps({"matplotlib": matplotlib.__version__}, indent=2) + "\n")
    result = compare_images(str(IMAGES / png.name), str(png), tol=PNG_TOLERANCE)
    assert result is None, result
    made_with = json.loads(versions_file.read_text())["matplotlib"]
    if made_with == matplotlib.__version__:
        expected = _strip_svg((IMAGES / svg.name).read_text(encoding="utf-8"))
        assert _strip_svg(svg.read_text(encoding="utf-8")) == expected


@pytest.mark.parametrize("series", MAIN)
def test_main_charts_match_the_baseline_images(view: RunView, series: str, tmp_path: Path) -> None:
    _matches_the_baseline_image(*charts.save_chart(charts.fan_chart(view, series), tmp_path / f"fan_{series}"))


def synthetic_comparison() -> tuple[list[RunView], list[str], pd.DataFrame]:
    """Three synthetic runs and a hand-made table of their monthly paired differences against the
    first (no simulation): one scenario that only adds, skewed with an atom at zero (P5 = 0, the
    median under the mean), and one that can go either way."""
    names = ["synthetic", "adds_a_shock", "either_way"]
    base = synthetic_view()
    views = [dataclasses.replace(base, metadata={**base.metadata, "scenario": n}) for n in names]
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    bump = np.exp(-0.5 * ((np.arange(12) - 2.0) / 1.5) ** 2)  # a spring shock
    rows = []
    for s, size in (("brent_usd_per_bbl", 3.0), ("us_gasoline_usd_per_gal", 0.08), ("us_diesel_usd_per_gal", 0.12),
                    ("net_supply_loss_mbd", 0.5)):
        for name, mean, p05, p50, p95 in (
                ("adds_a_shock", 0.3 * size * bump, 0 * bump, 0.2 * size * bump, size * bump),
                ("either_way", np.full(12, 0.1 * size), np.full(12, -0.6 * size), np.full(12, 0.1 * size),
                 np.linspace(0.4, 0.9, 12) * size)):
            rows += [{"scenario": name, "reference": names[0], "series": s, "month": m, "mean_difference": mean[k],
                      "p05": p05[k], "p50": p50[k], "p95": p95[k]} for k, m in enumerate(months)]
    return views, names, pd.DataFrame(rows)


def test_differences_chart_matches_the_baseline_image(tmp_path: Path) -> None:
    views, names, table = synthetic_comparison()
    fig = charts_differences.differences_chart(views, names, table, views[0].price_series)
    _matches_the_baseline_image(*charts.save_chart(fig, tmp_path / "differences"))


@pytest.mark.parametrize("series", MAIN)
def test_charts_render_without_warnings(view: RunView, series: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.chart_bytes(charts.fan_chart(view, series), "png")
        charts.chart_bytes(charts.fan_chart(view, series), "svg")
    assert [str(w.message) for w in caught] == []


def test_same_inputs_give_the_same_bytes(view: RunView) -> None:
    s = "us_gasoline_usd_per_gal"
    for fmt in ("png", "svg", "pdf"):
        a = charts.chart_bytes(charts.fan_chart(view, s), fmt)
        b = charts.chart_bytes(charts.fan_chart(synthetic_view(), s), fmt)
        assert a == b, fmt
    png = charts.chart_bytes(charts.fan_chart(view, s), "png")
    assert b"Software" not in png and b"Creation" not in png
    svg = charts.chart_bytes(charts.fan_chart(view, s), "svg").decode()
    assert "<dc:date>" not in svg
    assert b"CreationDate" not in charts.chart_bytes(charts.fan_chart(view, s), "pdf")


def test_save_chart_adds_the_extension_to_a_name_with_dots(view: RunView, tmp_path: Path) -> None:
    """One file per name: ``gas_prob_0.6`` and ``gas_prob_0.9`` were both saved as ``gas_prob_0.png``."""
    fig = charts.fan_chart(view, "us_gasoline_usd_per_gal", finish=False)
    written = [charts.save_chart(fig, tmp_path / f"gas_prob_{p}", ("png",)) for p in (0.6, 0.9)]
    assert written == [[tmp_path / "gas_prob_0.6.png"], [tmp_path / "gas_prob_0.9.png"]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gas_prob_0.6.png", "gas_prob_0.9.png"]
    # a str name and a single format; a name given with its extension stands for the name without it
    assert charts.save_chart(fig, str(tmp_path / "fan"), "svg") == [tmp_path / "fan.svg"]
    assert charts.save_chart(fig, tmp_path / "fan.png") == [tmp_path / "fan.png", tmp_path / "fan.svg"]


def test_save_chart_refuses_an_unsupported_format_and_writes_nothing(view: RunView, tmp_path: Path) -> None:
    fig = charts.fan_chart(view, "us_gasoline_usd_per_gal", finish=False)
    with pytest.raises(ScenarioError, match=r"^formats: unsupported format 'jpg'; supported: png, svg, pdf"):
        charts.save_chart(fig, tmp_path / "fan", ("png", "jpg"))
    with pytest.raises(ScenarioError, match=r"^formats: give one format or a list of them, out of png, svg, pdf"):
        charts.save_chart(fig, tmp_path / "fan", 5)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("series", MAIN)
def test_an_unfinished_chart_saves_the_same_bytes(view: RunView, series: str) -> None:
    """The report saves charts without the display draw (fan_chart(finish=False)): same files."""
    for fmt in ("png", "svg"):
        assert charts.chart_bytes(charts.fan_chart(view, series, finish=False), fmt) == \
            charts.chart_bytes(charts.fan_chart(view, series), fmt), fmt


def test_png_is_twice_800_px_and_svg_keeps_text(view: RunView) -> None:
    s = "us_gasoline_usd_per_gal"
    png = charts.chart_bytes(charts.fan_chart(view, s), "png")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width == 1600 and height > 1000
    svg = charts.chart_bytes(charts.fan_chart(view, s), "svg").decode()
    assert "<text" in svg and "US regular gasoline most likely averages" in svg
    assert "$4.00: 2.6% chance a weekly average reaches it in 2026" in svg  # the threshold label too, despite its halo
    assert "DejaVu Sans" in svg


def _texts(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    r = FigureCanvasAgg(fig).get_renderer()
    fig.draw(r)
    ax = fig.axes[0]
    box = ax.get_window_extent(r)
    xt = set(ax.get_xticklabels(which="both"))
    yt = set(ax.get_yticklabels(which="both"))
    out = []
    for t in fig.findobj(matplotlib.text.Text):
        if t.get_color() == "white":  # the halo drawn under a threshold label
            continue
        bb = t.get_window_extent(r)
        if not (t.get_visible() and t.get_text().strip() and bb.width > 0):
            continue
        # tick labels beyond the axis limits exist but are not drawn
        if t in xt and not box.x0 - 1 <= (bb.x0 + bb.x1) / 2 <= box.x1 + 1:
            continue
        if t in yt and not box.y0 - 1 <= (bb.y0 + bb.y1) / 2 <= box.y1 + 1:
            continue
        out.append((t.get_text(), bb))
    return out


#: Extreme runs: Brent near $2,000 (the $80, $100 and $200 lines crowd at the bottom, by the
#: "real | simulated" marker), $60,000 and $1.5 million; gasoline over $1,000 a gallon.
EXTREMES = [("brent_usd_per_bbl", 30.0), ("brent_usd_per_bbl", 900.0), ("brent_usd_per_bbl", 25000.0),
            ("us_gasoline_usd_per_gal", 400.0)]
#: Diesel under $1: both its thresholds off the chart, listed in one note above it.
ALL_OFF = [("us_diesel_usd_per_gal", 0.25)]


@pytest.mark.parametrize(("series", "factor"), [(s, 1.0) for s in MAIN] + EXTREMES + ALL_OFF)
def test_no_text_overlaps_and_everything_is_inside_the_image(series: str, factor: float) -> None:
    fig = charts.fan_chart(scaled_view(series, factor), series)
    items = _texts(fig)
    fw, fh = fig.bbox.width, fig.bbox.height
    for text, bb in items:
        assert bb.x0 >= 0 and bb.y0 >= 0 and bb.x1 <= fw + 0.5 and bb.y1 <= fh + 0.5, f"outside: {text!r}"
    for i, (ta, a) in enumerate(items):
        for tb, b in items[i + 1:]:
            w = min(a.x1, b.x1) - max(a.x0, b.x0)
            h = min(a.y1, b.y1) - max(a.y0, b.y0)
            assert not (w > 0.5 and h > 0.5), f"{ta!r} overlaps {tb!r}"


def _monthly_view() -> RunView:
    """The synthetic run on a monthly grid over 2026 (twelve steps, each a calendar month)."""
    v = synthetic_view()
    sc = v.scenario.model_copy(update={"horizon": v.scenario.horizon.model_copy(update={"step": "month"})})
    months = np.arange(np.datetime64("2026-01"), np.datetime64("2027-01"), dtype="datetime64[M]")
    keep = np.arange(0, 52, 52 // 12)[:12]  # twelve of the weekly values, one per month
    return dataclasses.replace(v, scenario=sc, dates=months.astype("datetime64[D]"),
                               quantiles={s: q[:, keep] for s, q in v.quantiles.items()},
                               baseline={s: b[keep] for s, b in v.baseline.items()})


@pytest.mark.parametrize("step", ["week", "month"])
def test_fan_draws_each_step_average_halfway_through_its_step_and_spans_the_horizon(step: str) -> None:
    """A step's value is its average over [date, date + length): the fan and the no-disruption
    line put it in the middle of the step (January's monthly average on 16 January, not on
    1 January at the real/simulated marker), and the x axis runs to the last step's end (a
    monthly run's December is on the chart)."""
    v = synthetic_view() if step == "week" else _monthly_view()
    s = "brent_usd_per_bbl"
    ax = charts.fan_chart(v, s).axes[0]
    num = matplotlib.dates.date2num
    median = [ln for ln in ax.get_lines() if ln.get_color() == charts.PALETTE["median"]][0]
    x = num(median.get_xdata())
    first, last = (dt.datetime(2026, 1, 4, 12), dt.datetime(2027, 1, 3, 12)) if step == "week" else \
        (dt.datetime(2026, 1, 16, 12), dt.datetime(2026, 12, 16, 12))
    assert x[0] == pytest.approx(num(first)) and x[-1] == pytest.approx(num(last))
    assert np.allclose(num([ln for ln in ax.get_lines() if ln.get_color() == charts.PALETTE["baseline"]][0]
                           .get_xdata()), x)
    end = dt.date(2027, 1, 7) if step == "week" else dt.date(2027, 1, 1)  # the last step's end
    assert ax.get_xlim()[1] == pytest.approx(num(end))
    marker = [ln for ln in ax.get_lines() if ln.get_color() == charts.PALETTE["muted"]][0]
    assert num(marker.get_xdata())[0] == pytest.approx(num(dt.date(2026, 1, 1)))  # horizon.start


def test_chart_shows_history_thresholds_units_and_provenance(view: RunView) -> None:
    s = "brent_usd_per_bbl"
    fig = charts.fan_chart(view, s)
    ax = fig.axes[0]
    words = " ".join(t for t, _ in _texts(fig))
    assert ax.get_ylabel() == "USD per barrel"
    hist = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == view.history_values[s].size]
    assert hist and np.allclose(hist[0].get_ydata(), view.history_values[s])
    assert ax.get_xlim()[0] <= matplotlib.dates.date2num(dt.date(2025, 1, 3))
    assert "$80: 35.1% chance a weekly average reaches it in 2026" in words
    assert "$100: 8.7% chance a weekly average reaches it in 2026" in words
    assert "Off the chart: $200: under 0.015% chance" in words  # far above the fan: listed, not drawn
    for needle in ("Scenario: Synthetic test scenario", "seed 7", "20,000 simulated futures", "#0123456789ab",
                   "energysim 0.0.test", "data up to 2025-12-31", "Brent crude oil most likely averages $66"):
        assert needle in words, needle


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_palette_reads_in_greyscale() -> None:
    p = charts.PALETTE
    # the fan bands and the median keep their order when printed in grey
    assert _luminance(p["band90"]) > _luminance(p["band50"]) + 0.15 > _luminance(p["median"]) + 0.3
    # one hue for the fan (no red-green contrast to decode)
    hues = {round(colorsys.rgb_to_hsv(*(int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)))[0], 1)
            for c in (p["band90"], p["band50"], p["median"])}
    assert len(hues) == 1


def test_threshold_probability_is_rounded_to_its_error() -> None:
    assert texts.fmt_probability(0.35123, 0.0034, 20000) == "35.1%"
    assert texts.fmt_probability(0.35123, 0.011, 2000) == "35%"
    assert texts.fmt_probability_pm(0.0263, 0.0011, 20000) == "2.6% ± 0.1"
    assert texts.fmt_probability(0.0, 0.0, 20000) == "under 0.015%"
    assert texts.fmt_probability(1.0, 0.0, 20000) == "over 99.985%"


@pytest.mark.parametrize(("series", "factor"), [("brent_usd_per_bbl", 1.0), *EXTREMES])
def test_threshold_labels_do_not_hide_the_fan(series: str, factor: float) -> None:
    """No opaque box behind a threshold label (it blanked a strip of the bands and the line):
    a thin halo under it, each label above its own line and the "real | simulated" marker, in
    the order of their lines."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = charts.fan_chart(scaled_view(series, factor), series)
    r = FigureCanvasAgg(fig).get_renderer()
    fig.draw(r)
    ax = fig.axes[0]
    labels = [t for t in ax.texts if "average reaches it" in t.get_text() and t.get_color() != "white"]
    halos = [t for t in ax.texts if "average reaches it" in t.get_text() and t.get_color() == "white"]
    lines = [ax.transData.transform((0, ln.get_ydata()[0]))[1] for ln in ax.get_lines()
             if ln.get_color() == charts.PALETTE["threshold"]]
    assert len(labels) == len(lines) > 0
    bottoms = [t.get_window_extent(r).y0 for t in labels]
    assert [(h.get_text(), h.get_position(), h.get_zorder()) for h in halos] == \
        [(t.get_text(), t.get_position(), t.get_zorder()) for t in labels]  # each drawn just before its label
    for t, h in zip(labels, halos):
        assert t.get_bbox_patch() is None and h.get_bbox_patch() is None
        assert h.get_path_effects() and ax.texts.index(h) < ax.texts.index(t)
        assert not t.get_path_effects()  # with one, SVG would draw the label as a shape, not text
    for y_line, y_label in zip(lines, bottoms):
        assert y_label >= y_line  # never on or below its line
    assert bottoms == sorted(bottoms)
    # above the "real | simulated" marker: a label can be long enough to reach it sideways
    marker = next(t for t in ax.texts if "simulated" in t.get_text()).get_window_extent(r)
    assert min(bottoms) > marker.y1
    if factor == 1.0:  # with room, each label sits right on its line
        assert all(b - ln < 3 for ln, b in zip(lines, bottoms))


def test_dollar_ticks_stay_narrow() -> None:
    """Ticks such as "$60,000" or "$1,400.00" pushed the axis label out of the figure."""
    def ticks(unit: str, locs: list[float]) -> list[str]:
        return charts._ticks(unit).format_ticks(locs)

    assert ticks("bbl", [40, 60, 80]) == ["$40", "$60", "$80"]
    assert ticks("bbl", [0, 1000, 2000]) == ["$0", "$1,000", "$2,000"]
    assert ticks("bbl", [0, 20000, 40000, 60000]) == ["$0", "$20k", "$40k", "$60k"]
    assert ticks("bbl", [7500, 10000, 12500]) == ["$7.5k", "$10k", "$12.5k"]  # one style on an axis
    assert ticks("bbl", [0, 500000, 1000000, 1500000]) == ["$0", "$0.5M", "$1M", "$1.5M"]
    assert ticks("gal", [2.5, 3.0, 3.5]) == ["$2.50", "$3.00", "$3.50"]
    assert ticks("gal", [0, 500, 1000, 1500]) == ["$0", "$500", "$1,000", "$1,500"]  # no cents on dollar steps


def test_difference_ticks_are_signed_dollars() -> None:
    """A difference reads "+$0.10" or "−$0.05" (more or less than the reference) and "$0" (the
    same); as few decimals as tell the ticks apart, cents for less than a dollar."""
    def ticks(locs: list[float]) -> list[str]:
        return charts_differences.SignedDollars().format_ticks(locs)

    assert ticks([-0.05, 0.0, 0.05, 0.1]) == ["−$0.05", "$0", "+$0.05", "+$0.10"]
    assert ticks([-2.0, 0.0, 2.0, 4.0]) == ["−$2", "$0", "+$2", "+$4"]
    assert ticks([0.0, 0.5, 1.0]) == ["$0", "+$0.50", "+$1.00"]
    assert ticks([0.0, 0.005, 0.01]) == ["$0", "+$0.005", "+$0.010"]
    assert ticks([-1e-17, 1500.0]) == ["$0", "+$1,500"]  # a zero that floating point missed has no sign


def test_differences_chart_keeps_long_scenario_names_inside_the_figure() -> None:
    """Names may be 64 characters long: the legend takes fewer columns rather than running off the
    figure, and the title and subtitle shorten the reference's name."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    views, names, table = synthetic_comparison()
    long = ["r" * 64, "s" * 60, "either_way"]
    table = table.replace({"adds_a_shock": long[1]})
    fig = charts_differences.differences_chart(views, long, table, views[0].price_series)
    r = FigureCanvasAgg(fig).get_renderer()
    fig.draw(r)
    (legend,) = fig.legends
    assert legend.get_window_extent(r).x1 <= fig.bbox.width
    assert legend._ncols < 4
    assert long[1] in [t.get_text() for t in legend.get_texts()]
    for t in fig.texts:
        assert t.get_window_extent(r).x1 <= fig.bbox.width, t.get_text()
    short = charts_differences.differences_chart(views, names, synthetic_comparison()[2], views[0].price_series)
    assert short.legends[0]._ncols == 4


@pytest.mark.parametrize("step", ["week", "month"])
def test_the_real_simulated_marker_stops_below_a_threshold_label_that_reaches_it(step: str) -> None:
    """A threshold label runs from the right edge leftwards; a long one ("... a monthly average
    reaches it ...") reaches the real/simulated marker, which then stops below it instead of
    crossing its text. A label that does not reach it leaves the marker whole."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    v = synthetic_view() if step == "week" else _monthly_view()
    fig = charts.fan_chart(v, "brent_usd_per_bbl")
    ax = fig.axes[0]
    renderer = FigureCanvasAgg(fig).get_renderer()  # measured in the chart's style, as it is saved
    marker = [ln for ln in ax.get_lines() if ln.get_color() == charts.PALETTE["muted"]][0]
    marker_x = ax.transAxes.inverted().transform(ax.transData.transform((matplotlib.dates.date2num(
        marker.get_xdata()[0]), 0)))[0]
    labels = [t for t in ax.texts if "chance" in t.get_text() and t.get_color() != "white"]
    assert labels
    with matplotlib.rc_context(charts.STYLE):
        boxes = [t.get_window_extent(renderer).transformed(ax.transAxes.inverted()) for t in labels]
    reaching = [b for b in boxes if b.x0 <= marker_x + charts.MARKER_CLEARANCE]
    top = marker.get_ydata()[1]
    if reaching:
        assert top <= min(b.y0 for b in reaching) + 1e-9 and top > 0.5
    else:
        assert top == 1.0
    assert bool(reaching) == (step == "month")  # the synthetic labels: weekly short of it, monthly reaching it
