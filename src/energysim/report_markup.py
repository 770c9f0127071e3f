"""Rendering the run report as text: the Markdown report and chart snippets, and the
self-contained HTML report (images embedded as data URIs) and ``<figure>`` embed snippets."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping

from . import texts
from .report_tables import (
    Table,
    assumptions_table,
    budget_table,
    cited_sources,
    fuel_tables,
    household_budgets,
)
from .runview import RunView

__all__ = ["chart_figure_html", "chart_markdown", "report_html", "report_markdown"]


# --- Markdown ----------------------------------------------------------------------------------

def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(t: Table) -> str:
    lines = ["| " + " | ".join(_md_cell(h) for h in t.head) + " |",
             "|" + "|".join("---" if i in t.left else "---:" for i in range(len(t.head))) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in t.rows]
    if t.note:
        lines += ["", f"*{t.note}*"]
    return "\n".join(lines)


def _md_alt(text: str) -> str:
    return text.replace("[", "(").replace("]", ")").replace("\n", " ")


def chart_markdown(v: RunView, s: str, src: str) -> str:
    return f"![{_md_alt(texts.alt_text(v, s))}]({src})\n\n*{texts.caption(v, s)}*\n"


def report_markdown(v: RunView, household: Mapping[str, float], image_src: Mapping[str, str]) -> str:
    sc = v.scenario
    budgets = household_budgets(v, household)
    parts = [f"# {sc.title or sc.name}", ""]
    warning = texts.small_run_warning(v)
    if warning:
        parts += [f"> **Warning.** {warning}", ""]
    parts += [" ".join(texts.summary_sentences(v, budgets)), ""]
    if sc.description:
        parts += [f"**Scenario.** {sc.description.strip()}", ""]
    parts += ["## Charts", ""]
    for s in v.price_series:
        parts += [f"### {v.label(s)}", "", chart_markdown(v, s, image_src[s])]
    parts += ["## Prices by fuel", ""]
    for s in v.price_series:
        parts += [f"### {v.label(s)} ({v.unit_words(s)[0]})", ""]
        for t in fuel_tables(v, s):
            parts += [_md_table(t), ""]
    parts += ["## Household fuel budget", ""]
    if budgets:
        parts += [_md_table(budget_table(v, budgets)), ""]
    else:
        parts += ["No household consumption given (set --gasoline-gal-per-month or --diesel-gal-per-month).", ""]
    parts += ["## Assumptions", "", "Every parameter of the scenario after inheritance (`extends`), with its source.", "",
              _md_table(assumptions_table(sc, v.assumption_sources)), ""]
    cited = cited_sources(sc, v.assumption_sources)
    if cited:
        parts += ["Sources cited by the scenario:", ""]
        for heading, items in cited:
            parts += ([heading, ""] if heading else []) + ([f"- {x}" for x in items] + [""] if items else [])
    parts += ["## What this model leaves out", ""]
    parts += [f"- **{a}.** {b}" for a, b in texts.LEAVES_OUT] + [""]
    parts += ["---", "", " ".join(texts.footer_lines(v)), ""]
    return "\n".join(parts)


# --- HTML --------------------------------------------------------------------------------------

_CSS = """
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #222; line-height: 1.5;
       max-width: 860px; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin-bottom: .5rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin-bottom: .4rem; }
p.summary { font-size: 1.08rem; background: #f3f6fa; border-left: 4px solid #08306b; padding: .8rem 1rem; }
figure { margin: 1.2rem 0 2rem; break-inside: avoid; page-break-inside: avoid; }
figure img { width: 100%; max-width: 800px; height: auto; display: block; }
figcaption { font-size: .88rem; color: #444; margin-top: .4rem; }
div.table-wrap { overflow-x: auto; max-width: 100%; }
p.warning { background: #fff4e5; border-left: 4px solid #b35900; padding: .6rem 1rem; }
table { border-collapse: collapse; margin: .6rem 0 .3rem; font-size: .9rem; break-inside: avoid; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f3f3; }
table.assumptions { font-size: .78rem; width: 100%; table-layout: fixed; }
table.assumptions th, table.assumptions td { text-align: left; overflow-wrap: break-word; }
table.assumptions td:first-child { overflow-wrap: normal; }
table.assumptions th:nth-child(1) { width: 40%; }
table.assumptions th:nth-child(2) { width: 28%; }
table.assumptions td:first-child { font-family: "DejaVu Sans Mono", monospace; font-size: .74rem; }
p.note, p.footer { font-size: .82rem; color: #555; }
ul.limits li { margin-bottom: .4rem; }
@page { size: auto; margin: 15mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  p.summary { background: none; }
}
"""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


_IN_PARENTHESES = r"\([^)]*\)"  # "(1 in 20)" in a table's header
_NUMBER_AND_WORD = r"\d [a-z]"  # "50 gallons" in a cell


def _unbroken(text: str, pattern: str) -> str:
    """``text`` escaped, with the spaces inside each match of ``pattern`` made non-breaking: a
    narrow column wraps "Low (1 in 20)" as "Low / (1 in 20)", not "Low (1 in / 20)", and keeps
    "50 gallons" on one line."""
    return _esc(re.sub(pattern, lambda m: m.group(0).replace(" ", "\u00a0"), text)).replace("\u00a0", "&nbsp;")


def _key_html(key: str) -> str:
    """A dotted key name that may break only after its dots, underscores and brackets."""
    return "".join(_esc(part) + ("<wbr>" if re.fullmatch(r"[._\[\]]", part) else "")
                   for part in re.split(r"([._\[\]])", key) if part)


def _html_table(t: Table, cls: str = "", keys: bool = False) -> str:
    """``t`` as HTML in a horizontally scrollable box (a wide table does not widen the page);
    ``keys``: the first column holds key names (see :func:`_key_html`)."""
    c = f' class="{cls}"' if cls else ""
    head = "".join(f"<th>{_unbroken(h, _IN_PARENTHESES)}</th>" for h in t.head)
    body = "".join("<tr>" + "".join(f"<td>{_key_html(x) if keys and i == 0 else _unbroken(x, _NUMBER_AND_WORD)}</td>"
                                    for i, x in enumerate(r)) + "</tr>" for r in t.rows)
    out = f'<div class="table-wrap"><table{c}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
    if t.note:
        out += f'<p class="note">{_esc(t.note)}</p>'
    return out


def chart_figure_html(v: RunView, s: str, src: str) -> str:
    """A ``<figure>`` with the image, its alt text and caption: paste it into a web page."""
    return (f'<figure class="energysim-chart">\n  <img src="{_esc(src)}" width="800" alt="{_esc(texts.alt_text(v, s))}">\n'
            f"  <figcaption>{_esc(texts.caption(v, s))}</figcaption>\n</figure>\n")


def report_html(v: RunView, household: Mapping[str, float], png: Mapping[str, bytes]) -> str:
    """The whole report as one HTML file: images embedded as data URIs, no external references."""
    sc = v.scenario
    budgets = household_budgets(v, household)
    title = sc.title or sc.name
    b: list[str] = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
                    '<meta name="viewport" content="width=device-width, initial-scale=1">',
                    f"<title>{_esc(title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
                    f"<h1>{_esc(title)}</h1>"]
    warning = texts.small_run_warning(v)
    if warning:
        b.append(f'<p class="warning"><strong>Warning.</strong> {_esc(warning)}</p>')
    b += [f'<p class="summary">{_esc(" ".join(texts.summary_sentences(v, budgets)))}</p>']
    if sc.description:
        b.append(f"<p><strong>Scenario.</strong> {_esc(sc.description.strip())}</p>")
    b.append("<h2>Charts</h2>")
    for s in v.price_series:
        uri = "data:image/png;base64," + base64.b64encode(png[s]).decode("ascii")
        b.append(chart_figure_html(v, s, uri))
    b.append("<h2>Prices by fuel</h2>")
    for s in v.price_series:
        b.append(f"<h3>{_esc(v.label(s))} ({_esc(v.unit_words(s)[0])})</h3>")
        b += [_html_table(t) for t in fuel_tables(v, s)]
    b.append("<h2>Household fuel budget</h2>")
    if budgets:
        b.append(_html_table(budget_table(v, budgets)))
    else:
        b.append("<p>No household consumption given (set --gasoline-gal-per-month or --diesel-gal-per-month).</p>")
    b.append("<h2>Assumptions</h2><p>Every parameter of the scenario after inheritance (<code>extends</code>), "
             "with its source.</p>")
    b.append(_html_table(assumptions_table(sc, v.assumption_sources), "assumptions", keys=True))
    cited = cited_sources(sc, v.assumption_sources)
    if cited:
        b.append("<p>Sources cited by the scenario:</p>")
        for heading, items in cited:
            b += ([f"<p>{_esc(heading)}</p>"] if heading else []) + (
                ["<ul>" + "".join(f"<li>{_esc(x)}</li>" for x in items) + "</ul>"] if items else [])
    b.append("<h2>What this model leaves out</h2><ul class=\"limits\">"
             + "".join(f"<li><strong>{_esc(a)}.</strong> {_esc(t)}</li>" for a, t in texts.LEAVES_OUT) + "</ul>")
    b.append(f'<p class="footer">{"<br>".join(_esc(x) for x in texts.footer_lines(v))}</p>')
    b += ["</body>", "</html>", ""]
    return "\n".join(b)

