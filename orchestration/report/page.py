"""The report as one self-contained HTML file: inline CSS, inline SVG charts,
the drill-down table's customers as inline JSON and a small inline script.
No server, no network, nothing downloaded: it opens offline in any browser.

Each section is a chart (svg.py) with the numbers in a table beside it.
Every count, in a chart or a table, is a link: a click filters the
customers table at the bottom to the customers behind that count (the
script reads the mark's data-filter: the table's columns and values).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date, timedelta
from html import escape

import pandas as pd

from orchestration.report import svg
from orchestration.report.data import (
    CUSTOMER_COLUMNS,
    NONE,
    NOT_KNOWN,
    ReportData,
    bucket_label,
)
from orchestration.vocabularies import ACTION_LISTS, LIFECYCLE_STAGES
from orchestration.report.svg import Bar, filter_attribute, number

SHOWN_ROWS = 200  # rows of the customers table drawn at once (the count says how many match)
# filtered on but not shown: the months a customer bought in (a cohort cell's customers)
FILTER_ONLY_COLUMNS = {"active_months"}
MONEY = "reporting currency"


def percent(value: float | None, decimals: int = 1) -> str:
    return "" if value is None or pd.isna(value) else f"{100 * value:.{decimals}f} %"


def money(value: float | None) -> str:
    return "" if value is None or pd.isna(value) else number(value)


def short_money(value: float) -> str:
    """Money in a small cell: 12.3k, 1.2M."""
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:.0f}"


def link(text: str, selection: dict) -> str:
    """A count that drills down to its customers."""
    return f'<a href="#customers"{filter_attribute(selection)}>{escape(text)}</a>'


def table(columns: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int = 1) -> str:
    """An HTML table; cells are HTML already (escaped text or a link). Columns
    from numeric_from on are right-aligned numbers."""
    head = "".join(f'<th{" class=num" if i >= numeric_from else ""}>{escape(c)}</th>' for i, c in enumerate(columns))
    body = "".join(
        "<tr>" + "".join(f'<td{" class=num" if i >= numeric_from else ""}>{cell}</td>' for i, cell in enumerate(row))
        + "</tr>" for row in rows)
    return f'<table class="numbers"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def section(anchor: str, title: str, intro: str, chart: str, numbers: str, note: str | None = None) -> str:
    content = (f'<p class="note">{escape(note)}</p>' if note else
               f'<div class="pair"><figure>{chart}</figure><div class="side">{numbers}</div></div>')
    return f'<section id="{anchor}"><h2>{escape(title)}</h2><p class="intro">{escape(intro)}</p>{content}</section>'


def ordered(values: Sequence[str], order: Sequence[str]) -> list[str]:
    """values in the given order, unknown ones after it alphabetically, '(none)' and '(not known then)' last."""
    present = list(dict.fromkeys(values))
    known = [value for value in order if value in present]
    rest = sorted(value for value in present if value not in order and value not in (NONE, NOT_KNOWN))
    return known + rest + [value for value in (NONE, NOT_KNOWN) if value in present]


def _group_section(frame: pd.DataFrame, column: str, order: Sequence[str], total: int) -> tuple[list[Bar], str]:
    counts = frame.set_index(column)
    categories = ordered(list(counts.index), order)
    bars = [Bar(category, float(counts.at[category, "customers"]), {column: category}) for category in categories]
    rows = [[escape(category), link(number(counts.at[category, "customers"]), {column: category}),
             percent(counts.at[category, "customers"] / total if total else None),
             money(counts.at[category, "margin_amount"])] for category in categories]
    return bars, table([column.replace("_", " "), "customers", "share", f"margin ({MONEY})"], rows)


def lifecycle_section(data: ReportData) -> str:
    bars, numbers = _group_section(data.counts["lifecycle_stage"], "lifecycle_stage", LIFECYCLE_STAGES,
                                   data.customers_total)
    chart = svg.horizontal_bars("Customers per lifecycle stage", bars, "customers", "lifecycle stage", centred=True)
    return section("lifecycle", "Customers per lifecycle stage",
                   "Where every known customer stands today, from prospect to lost (marts.customer_lifecycle).",
                   chart, numbers)


def value_class_section(data: ReportData, value_class_order: Sequence[str]) -> str:
    bars, numbers = _group_section(data.counts["value_class"], "value_class", value_class_order, data.customers_total)
    chart = svg.horizontal_bars("Customers per value class", bars, "customers", "value class (R, F, M high/low)")
    return section("value-classes", "The eight value classes",
                   "Recency, frequency and monetary value each high or low against the shop's average "
                   "(marts.customer_rfm.value_class); '(none)': no purchase yet.", chart, numbers)


def rfm_section(data: ReportData) -> str:
    grid = data.counts["rfm_grid"]
    rows, columns = ["5", "4", "3", "2", "1"], ["1", "2", "3", "4", "5"]
    cells = {(str(int(r)), str(int(f))): (int(n), float(m) if pd.notna(m) else 0.0)
             for r, f, n, m in grid[["r_score", "f_score", "customers", "margin_amount"]].itertuples(index=False)}
    filters = {key: {"r_score": int(key[0]), "f_score": int(key[1])} for key in cells}
    most = max((n for n, _ in cells.values()), default=1) or 1
    richest = max((m for _, m in cells.values()), default=1) or 1
    by_customers = svg.heatmap(
        "RFM grid: customers per recency and frequency score", rows, columns,
        {key: n / most for key, (n, _) in cells.items()}, {key: number(n) for key, (n, _) in cells.items()},
        filters, "recency score R (5 = bought most recently)", "frequency score F (5 = buys most often)")
    by_margin = svg.heatmap(
        f"RFM grid: margin ({MONEY}) per recency and frequency score", rows, columns,
        {key: max(m, 0) / richest if richest > 0 else 0 for key, (_, m) in cells.items()},
        {key: short_money(m) for key, (_, m) in cells.items()},
        filters, "recency score R (5 = bought most recently)", "frequency score F (5 = buys most often)",
        unit=f"margin ({MONEY})")
    chart = ('<div class="switch" role="group" aria-label="colour the grid by">colour by '
             '<button type="button" data-show="rfm-customers" aria-pressed="true">customers</button>'
             '<button type="button" data-show="rfm-margin" aria-pressed="false">margin</button></div>'
             f'<div id="rfm-customers" class="variant">{by_customers}</div>'
             f'<div id="rfm-margin" class="variant" hidden>{by_margin}</div>')
    numbers = table(["R", "F", "customers", f"margin ({MONEY})"], [
        [r, f, link(number(cells[(r, f)][0]), filters[(r, f)]), money(cells[(r, f)][1])]
        for r in rows for f in columns if (r, f) in cells], numeric_from=2)
    return section("rfm", "RFM grid", "Customers with a purchase, by recency score (rows) and frequency score "
                   "(columns), 1-5 by quintile (marts.customer_rfm); colour by customers or by margin.", chart, numbers)


def migration_section(data: ReportData, dimension: str, order: Sequence[str]) -> str:
    title = f"Migration of {dimension.replace('_', ' ')} since {data.migration_from_date}"
    anchor = f"migration-{dimension.replace('_', '-')}"
    intro = (f"How many customers moved from each {dimension.replace('_', ' ')} a week ago (rows) to today's "
             "(columns); shading: share of the row (marts.customer_segment_transitions).")
    frame = data.counts.get(f"migration_{dimension}")
    if frame is None or frame.empty:
        return section(anchor, title.split(" since")[0] + " since last week", intro, "", "", data.notes["migration"])
    counts = {(a, b): int(n) for a, b, n in frame[["from_value", "to_value", "customers"]].itertuples(index=False)}
    rows = ordered([a for a, _ in counts], order)
    columns = ordered([b for _, b in counts], order)
    row_totals = {row: sum(n for (a, _), n in counts.items() if a == row) for row in rows}
    filters = {key: {f"previous_{dimension}": key[0], dimension: key[1]} for key in counts}
    chart = svg.heatmap(title, rows, columns, {key: n / row_totals[key[0]] for key, n in counts.items()},
                        {key: number(n) for key, n in counts.items()}, filters,
                        f"{dimension.replace('_', ' ')} on {data.migration_from_date}",
                        f"{dimension.replace('_', ' ')} on {data.as_of_date}")
    moved = sorted(((n, key) for key, n in counts.items() if key[0] != key[1]), reverse=True)
    numbers = table(["from", "to", "customers"],
                    [[escape(a), escape(b), link(number(n), filters[(a, b)])] for n, (a, b) in moved[:15]],
                    numeric_from=2) if moved else "<p>Nobody moved.</p>"
    return section(anchor, title, intro, chart, numbers)


def call_sheet_section(data: ReportData) -> str:
    sheet = data.counts["call_sheet"]
    intro = ("Today's call sheet (marts.call_sheet): customers per action list and recommended channel; the "
             "control group (holdout) is counted but not contacted.")
    if sheet.empty:
        return section("call-sheet", "Today's call sheet per action and channel", intro, "", "",
                       data.notes["call_sheet"])
    lists = ordered(list(sheet["action_list"]), ACTION_LISTS)
    channels = sorted(sheet["recommended_channel"].fillna(NONE).unique())
    to_contact = sheet[sheet["contact_status"] != "holdout"]
    values = {(a, c): float(n) for a, c, n in to_contact.groupby(["action_list", "recommended_channel"])["customers"]
              .sum().reset_index().itertuples(index=False)}
    # a bar counts the customers to contact (today or waiting), not the control group: so does its drill-down
    statuses = sorted(to_contact["contact_status"].unique())
    filters = {key: {"action_list": key[0], "recommended_channel": key[1], "contact_status": statuses}
               for key in values}
    chart = svg.stacked_bars("Customers on today's call sheet per action list and channel", lists, channels,
                             values, filters, "customers (control group not included)", "action list")
    rows = [[escape(a), escape(str(c)), escape(s),
             link(number(n), {"action_list": a, "recommended_channel": c, "contact_status": s})]
            for a, c, s, n in sheet[["action_list", "recommended_channel", "contact_status", "customers"]]
            .itertuples(index=False)]
    return section("call-sheet", "Today's call sheet per action and channel", intro, chart,
                   table(["action list", "channel", "status", "customers"], rows, numeric_from=3))


def weekly(frame: pd.DataFrame, as_of_date: date) -> pd.DataFrame:
    """The rows of every 7th day back from as_of_date (a table a person reads)."""
    days = {as_of_date - timedelta(days=7 * week) for week in range(60)}
    return frame[frame["as_of_date"].dt.date.isin(days)]


def call_sheet_trend_section(data: ReportData) -> str:
    trend = data.counts["call_sheet_trend"]
    intro = ("Customers on the call sheet per day and action list over the last 8 weeks, control group excluded "
             "(marts.call_sheet).")
    if trend.empty or trend["as_of_date"].nunique() < 2:
        return section("call-sheet-trend", "Call sheet trend", intro, "", "",
                       "The history holds one day of the call sheet: backfill earlier days to see the trend.")
    wide = trend.pivot_table(index="as_of_date", columns="action_list", values="customers", fill_value=0)
    lists = ordered(list(wide.columns), ACTION_LISTS)
    series = {name: [(day.date(), float(wide.at[day, name])) for day in wide.index] for name in lists}
    chart = svg.lines("Customers on the call sheet per day and action list", series, "customers", "as-of date")
    table_rows = weekly(wide.reset_index(), data.as_of_date)
    rows = [[str(row["as_of_date"].date()), *(number(row[name]) for name in lists)]
            for _, row in table_rows.sort_values("as_of_date", ascending=False).iterrows()]
    return section("call-sheet-trend", "Call sheet trend", intro, chart,
                   table(["as-of date", *lists], rows) + '<p class="small">Every 7th day back from today.</p>')


def retention_section(data: ReportData) -> str:
    kpis = data.counts["retention_kpis"]
    window = int(kpis["window_days"].iloc[0]) if len(kpis) else 0
    intro = (f"Of the customers active at the start of each {window}-day window ending on the day: the share lost "
             "in it (churn rate) and the share that bought again (repurchase rate), marts.retention_kpis.")
    if "retention_kpis" in data.notes:
        return section("retention", "Churn and repurchase rates over time", intro, "", "",
                       data.notes["retention_kpis"])
    known = kpis[kpis["churn_rate"].notna()]
    series = {name: [(day.date(), None if pd.isna(rate) else 100 * float(rate))
                     for day, rate in kpis[["as_of_date", column]].itertuples(index=False)]
              for name, column in (("churn rate", "churn_rate"), ("repurchase rate", "repurchase_rate"))}
    high = max(100 * float(known[["churn_rate", "repurchase_rate"]].max().max()), 1.0)
    chart = svg.lines(f"Churn and repurchase rates over {window}-day windows", series, "% of customers active at window start",
                      "window end (as-of date)", lambda v: f"{v:.0f}", value_high=high)
    rows = [[str(row.as_of_date.date()), number(row.count_active_at_window_start), number(row.count_lost_in_window),
             number(row.count_repurchased_in_window), percent(row.churn_rate), percent(row.repurchase_rate)]
            for row in weekly(known, data.as_of_date).sort_values("as_of_date", ascending=False).itertuples()]
    return section("retention", "Churn and repurchase rates over time", intro, chart,
                   table(["window end", "active at start", "lost", "bought again", "churn rate", "repurchase rate"],
                         rows) + '<p class="small">Every 7th day back from today; all days in the chart.</p>')


def cohort_section(data: ReportData) -> str:
    cohorts = data.counts["cohorts"]
    intro = ("Customers by the month of their first purchase (rows) and the share of them who bought in each "
             "month since (columns, 0 = the first month), marts.cohort_retention; the last 12 cohorts.")
    if cohorts.empty:
        return section("cohorts", "Cohort retention triangle", intro, "", "", data.notes["cohorts"])
    months = sorted(cohorts["cohort_month"].unique(), reverse=True)
    offsets = sorted(cohorts["months_since_first_purchase"].unique())
    cells = {(c, str(k)): row for c, k, row in
             ((r.cohort_month, r.months_since_first_purchase, r) for r in cohorts.itertuples())}
    filters = {key: {"cohort_month": key[0], "active_months": row.activity_month} for key, row in cells.items()}
    chart = svg.heatmap("Share of each cohort buying n months after its first purchase", months,
                        [str(k) for k in offsets], {key: float(row.share_active) for key, row in cells.items()},
                        {key: percent(row.share_active, 0) for key, row in cells.items()}, filters,
                        "first-purchase month (cohort)", "months since the first purchase", unit="of the cohort bought")
    sizes = cohorts[cohorts["months_since_first_purchase"] == 0].set_index("cohort_month")["count_customers"]
    rows = [[escape(c), link(number(sizes[c]), {"cohort_month": c}),
             *(link(number(cells[(c, str(k))].count_active_customers), filters[(c, str(k))])
               if (c, str(k)) in cells else "" for k in offsets[1:])] for c in months]
    return section("cohorts", "Cohort retention triangle", intro, chart,
                   table(["cohort", "customers", *(f"m{k}" for k in offsets[1:])], rows)
                   + '<p class="small">Buyers per month since the first purchase; the current month is not complete.</p>')


def clv_section(data: ReportData, horizon_days: int | None) -> str:
    intro = (f"Expected discounted margin of each customer over the next {horizon_days or 'horizon'} days from the "
             "fitted BTYD model (marts.customer_clv), customers per CLV range.")
    if "clv" in data.notes:
        return section("clv", "CLV distribution", intro, "", "", data.notes["clv"])
    clv = data.counts["clv"].set_index("clv_bucket")
    # every range of the scale, the empty ones too, so that the bars are the scale
    buckets = [bucket_label(low, high) for low, high in zip(data.clv_edges, data.clv_edges[1:])] or list(clv.index)
    buckets = [bucket for bucket in clv.index if bucket not in buckets] + buckets  # 'below 0' first
    customers = {bucket: int(clv["customers"].get(bucket, 0)) for bucket in buckets}
    bars = [Bar(bucket, float(customers[bucket]), {"clv_bucket": bucket}) for bucket in buckets]
    chart = svg.vertical_bars("Customers per range of discounted CLV", bars, "customers",
                              f"discounted CLV ({MONEY})")
    rows = [[escape(bucket), link(number(customers[bucket]), {"clv_bucket": bucket}),
             money(clv["clv_amount"].get(bucket, 0.0))] for bucket in buckets]
    return section("clv", "CLV distribution", intro, chart, table([f"CLV range ({MONEY})", "customers",
                                                                   f"total CLV ({MONEY})"], rows))


def winback_section(data: ReportData) -> str:
    top = data.counts["winback"]
    intro = ("Lost or nearly lost customers worth winning back first, ranked by second-lifetime value x "
             "retainability x response likelihood (marts.winback_candidates).")
    if top.empty:
        return section("winback", "Top win-back targets", intro, "", "", data.notes["winback"])
    bars = [Bar(f"#{int(r.winback_rank)} {r.customer_id}", float(r.winback_score_amount), {"customer_id": r.customer_id})
            for r in top.itertuples()]
    chart = svg.horizontal_bars(f"Top {len(top)} win-back targets by win-back score", bars,
                                f"win-back score ({MONEY})", "rank and customer", value_format=short_money,
                                unit="win-back score")
    rows = [[str(int(r.winback_rank)), link(r.customer_id, {"customer_id": r.customer_id}),
             money(r.second_lifetime_value_amount), money(r.winback_score_amount), escape(str(r.reason_category)),
             "yes" if r.is_lost else "no", number(r.days_since_last_purchase), escape(str(r.recommended_channel))]
            for r in top.itertuples()]
    return section("winback", "Top win-back targets", intro, chart, table(
        ["rank", "customer", f"second lifetime value ({MONEY})", "score", "reason", "lost", "days since purchase",
         "channel"], rows, numeric_from=2))


def customers_section(data: ReportData) -> str:
    frame = data.drill_down.copy()
    for column in ("r_score", "f_score", "m_score", "days_since_last_purchase", "winback_rank"):
        frame[column] = frame[column].astype("Int64")
    for column in ("margin_amount", "discounted_clv_amount"):
        frame[column] = frame[column].round(2)
    rows = [[_json_value(value) for value in row] for row in frame[CUSTOMER_COLUMNS].itertuples(index=False)]
    payload = {"columns": CUSTOMER_COLUMNS, "rows": rows, "total": data.customers_total, "shown": SHOWN_ROWS,
               "visible": [i for i, column in enumerate(CUSTOMER_COLUMNS) if column not in FILTER_ONLY_COLUMNS]}
    # allow_nan=False: a NaN would stop JSON.parse, and with it every drill-down, silently
    embedded = json.dumps(payload, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")
    capped = (f'<p class="note">The file holds {number(len(frame))} of the day\'s {number(data.customers_total)} '
              "customers (call sheet first, then by margin); a count may stand for more customers than it shows "
              "here: query the marts for the rest.</p>" if len(frame) < data.customers_total else "")
    head = "".join(f'<th data-column="{i}">{escape(c.replace("_", " "))}</th>' for i, c in enumerate(CUSTOMER_COLUMNS)
                   if c not in FILTER_ONLY_COLUMNS)
    return (f'<section id="customers"><h2>Customers behind a count</h2>'
            '<p class="intro">Click any count above (a bar, a cell or a number in a table) to list its customers '
            'here; type to filter further; click a column heading to sort.</p>'
            f'{capped}<div class="filters"><span id="active-filter">All customers</span> '
            '<button type="button" id="clear-filter">show all</button> '
            '<input id="search" type="search" placeholder="filter: customer id, segment, ..." aria-label="filter">'
            ' <span id="match-count"></span></div>'
            f'<div class="scroll"><table id="customer-table" class="numbers"><thead><tr>{head}</tr></thead>'
            '<tbody></tbody></table></div>'
            f'<script type="application/json" id="customer-data">{embedded}</script></section>')


def _json_value(value):
    """A cell of the drill-down table as JSON: numpy values as Python's, lists as lists, missing as null."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list):
        return value
    return None if value is None or pd.isna(value) else value


STYLE = """
body{font-family:sans-serif;margin:0 auto;max-width:1280px;padding:0 16px 40px;color:#222}
header{border-bottom:2px solid #0072B2;margin-bottom:8px}
h1{font-size:22px;margin:16px 0 4px}h2{font-size:18px;margin:28px 0 4px}
.intro{color:#555;margin:0 0 8px;max-width:900px}.note{background:#fff6e0;padding:8px;border-left:4px solid #E69F00}
.small{font-size:11px;color:#666}.pair{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
figure{margin:0}.side{max-height:460px;overflow:auto}
table.numbers{border-collapse:collapse;font-size:12px}
table.numbers th,table.numbers td{white-space:nowrap;border-bottom:1px solid #e4e4e4;padding:3px 8px;text-align:left}
table.numbers th{background:#f4f6f8;position:sticky;top:0}.num{text-align:right!important}
.drill{cursor:pointer}a.drill{color:#0055aa}rect.drill:hover{stroke:#000;stroke-width:1.5}
.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0}.kpi{background:#f4f6f8;padding:8px 12px;border-radius:4px}
.kpi b{display:block;font-size:20px}.filters{margin:8px 0}.scroll{max-height:560px;overflow:auto}
.switch button[aria-pressed=true]{background:#0072B2;color:#fff}nav a{margin-right:10px;font-size:13px}
"""

SCRIPT = r"""
(function () {
  var data = JSON.parse(document.getElementById('customer-data').textContent);
  var index = {};
  data.columns.forEach(function (name, i) { index[name] = i; });
  var active = {}, sortColumn = null, sortDescending = false;
  var body = document.querySelector('#customer-table tbody');
  var search = document.getElementById('search');
  function same(cell, wanted) {
    if (Array.isArray(wanted)) { return wanted.some(function (one) { return same(cell, one); }); }
    if (Array.isArray(cell)) { return cell.indexOf(wanted) >= 0; }
    return cell !== null && String(cell) === String(wanted);
  }
  function matches(row) {
    for (var name in active) {
      if (!(name in index) || !same(row[index[name]], active[name])) { return false; }
    }
    var text = search.value.trim().toLowerCase();
    return !text || row.some(function (cell) { return cell !== null && String(cell).toLowerCase().indexOf(text) >= 0; });
  }
  function compare(a, b) {
    var x = a[sortColumn], y = b[sortColumn];
    if (x === y) { return 0; }
    if (x === null) { return 1; }
    if (y === null) { return -1; }
    var order = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
    return sortDescending ? -order : order;
  }
  function render() {
    var rows = data.rows.filter(matches);
    if (sortColumn !== null) { rows.sort(compare); }
    var html = [];
    rows.slice(0, data.shown).forEach(function (row) {
      html.push('<tr>' + data.visible.map(function (i) { return row[i]; }).map(function (cell) {
        var text = cell === null ? '' : (Array.isArray(cell) ? cell.join(' ') : String(cell));
        var span = document.createElement('span'); span.textContent = text;
        return '<td>' + span.innerHTML + '</td>';
      }).join('') + '</tr>');
    });
    body.innerHTML = html.join('');
    var names = Object.keys(active).map(function (name) {
      var wanted = active[name];
      return name.replace(/_/g, ' ') + (Array.isArray(wanted) ? ' in ' + wanted.join(' or ') : ' = ' + wanted);
    });
    document.getElementById('active-filter').textContent = names.length ? names.join(', ') : 'All customers';
    document.getElementById('match-count').textContent = rows.length + ' customers match' +
      (rows.length > data.shown ? ' (first ' + data.shown + ' shown)' : '');
  }
  function drill(element) {
    active = JSON.parse(element.getAttribute('data-filter'));
    search.value = '';
    render();
    document.getElementById('customers').scrollIntoView();
  }
  document.addEventListener('click', function (event) {
    var element = event.target.closest('[data-filter]');
    if (element) { event.preventDefault(); drill(element); return; }
    var button = event.target.closest('[data-show]');
    if (button) {
      button.parentNode.querySelectorAll('[data-show]').forEach(function (other) {
        document.getElementById(other.getAttribute('data-show')).hidden = other !== button;
        other.setAttribute('aria-pressed', String(other === button));
      });
    }
    var heading = event.target.closest('#customer-table th');
    if (heading) {
      var column = Number(heading.getAttribute('data-column'));
      sortDescending = sortColumn === column ? !sortDescending : false;
      sortColumn = column;
      render();
    }
  });
  document.addEventListener('keydown', function (event) {
    var element = event.target.closest && event.target.closest('[data-filter]');
    if (element && event.key === 'Enter') { event.preventDefault(); drill(element); }
  });
  document.getElementById('clear-filter').addEventListener('click', function () { active = {}; render(); });
  search.addEventListener('input', render);
  render();
}());
"""


def header(data: ReportData, summary: dict[str, str]) -> str:
    tiles = "".join(f'<div class="kpi"><b>{escape(value)}</b>{escape(name)}</div>' for name, value in summary.items())
    links = "".join(f'<a href="#{a}">{escape(t)}</a>' for a, t in (
        ("lifecycle", "lifecycle"), ("rfm", "RFM grid"), ("value-classes", "value classes"),
        ("migration-rfm-segment", "migration"), ("call-sheet", "call sheet"), ("retention", "churn & repurchase"),
        ("cohorts", "cohorts"), ("clv", "CLV"), ("winback", "win-back"), ("customers", "customers")))
    return (f"<header><h1>Customer retention report, as of {data.as_of_date}</h1>"
            f'<div class="kpis">{tiles}</div><nav>{links}</nav></header>')


def render(data: ReportData, *, rfm_segment_order: Sequence[str], value_class_order: Sequence[str],
           clv_horizon_days: int | None, summary: dict[str, str], generated_at: str) -> str:
    """The whole page."""
    sections = [
        lifecycle_section(data),
        rfm_section(data),
        value_class_section(data, value_class_order),
        migration_section(data, "rfm_segment", rfm_segment_order),
        migration_section(data, "lifecycle_stage", LIFECYCLE_STAGES),
        call_sheet_section(data),
        call_sheet_trend_section(data),
        retention_section(data),
        cohort_section(data),
        clv_section(data, clv_horizon_days),
        winback_section(data),
        customers_section(data),
    ]
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Customer retention report {data.as_of_date}</title>"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{STYLE}</style></head><body>{header(data, summary)}{''.join(sections)}"
            f'<footer class="small">Generated {escape(generated_at)} from the warehouse marts of {data.as_of_date}.'
            " Every figure is a column of a mart; see the dbt docs for its definition.</footer>"
            f"<script>{SCRIPT}</script></body></html>")
