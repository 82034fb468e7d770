"""The daily report (exports/<day>/report.html): its figures are the marts',
every count drills down to exactly the customers it counts, it is one file
that needs no network, and it works in a real browser (headless Chromium)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from orchestration.clv.pipeline import ClvSettings, run_clv
from orchestration.clv.store import read_summary, write_clv
from orchestration.demo_data import generate_demo_data
from orchestration.report import data as report_data
from orchestration.report.data import NONE, NOT_KNOWN
from orchestration.report.build import REPORT_FILE, write_report
from orchestration.warehouse import connect, project_dbt_vars
from tests.browser import ARTIFACTS_DIR, chromium, full_page_screenshot, missing_browser
from tests.conftest import build_warehouse

DAY = date(2026, 6, 30)
# two months of history, and a 28-day retention window so that its rates are known for a month of them
# and a control group, whose customers are on the call sheet but not in its bars
HISTORY_VARS = {"as_of_date_start": "2026-05-01", "as_of_date_end": DAY.isoformat(), "retention_window_days": 28,
                "holdout_share": 0.3}
SECTIONS = ["lifecycle", "rfm", "value-classes", "migration-rfm-segment", "migration-lifecycle-stage", "call-sheet",
            "call-sheet-trend", "retention", "cohorts", "clv", "winback"]


@dataclass(frozen=True)
class Report:
    warehouse: Path
    path: Path
    html: str
    customers: dict  # the embedded drill-down table: columns, rows, ...

    def query(self, sql: str) -> list[tuple]:
        with connect(self.warehouse, read_only=True) as connection:
            return connection.execute(sql).fetchall()


def embedded_customers(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="customer-data">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Report:
    """The demo built for two months of as-of dates in one dbt pass, the CLV
    fitted as the pipeline does, and the last day's report."""
    root = tmp_path_factory.mktemp("report")
    inputs = generate_demo_data(root / "data")
    result = build_warehouse(root, {"transactions_path": str(inputs["transactions"]),
                                    "customers_path": str(inputs["customers"]), **HISTORY_VARS}, with_tests=False)
    assert result.returncode == 0, result.output[-3000:]
    warehouse = root / "warehouse.duckdb"
    write_clv(str(warehouse), run_clv(read_summary(str(warehouse)), ClvSettings.from_dbt_vars(project_dbt_vars())))
    written = write_report(warehouse, DAY, root / "exports")
    html = written.path.read_text(encoding="utf-8")
    return Report(warehouse, written.path, html, embedded_customers(html))


class Marks(HTMLParser):
    """Every element that drills down: its filter and the count it shows
    (a link's text; a chart mark's tooltip, 'label: count')."""

    def __init__(self):
        super().__init__()
        self.marks: list[tuple[str, dict, str]] = []
        self._open: tuple[str, dict] | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "data-filter" in attributes:
            self._open, self._text = (tag, json.loads(attributes["data-filter"])), ""

    def handle_data(self, data):
        if self._open:
            self._text += data

    def handle_endtag(self, tag):
        if self._open and tag == self._open[0]:
            self.marks.append((tag, self._open[1], self._text))
            self._open = None


def shown_count(tag: str, text: str) -> int | None:
    """The count of customers a mark shows, or None when it shows another
    figure (a customer id, a margin, a share)."""
    found = re.search(r": ([\d,]+) customers$", text) if tag == "rect" else re.fullmatch(r"\s*([\d,]+)\s*", text)
    return int(found.group(1).replace(",", "")) if found else None


def matching(customers: dict, selection: dict) -> int:
    """How many embedded customers a filter selects, as the page's script selects them."""
    index = {name: i for i, name in enumerate(customers["columns"])}

    def same(cell, wanted) -> bool:
        if isinstance(wanted, list):
            return any(same(cell, one) for one in wanted)
        return wanted in cell if isinstance(cell, list) else cell is not None and str(cell) == str(wanted)

    return sum(all(same(row[index[name]], wanted) for name, wanted in selection.items()) for row in customers["rows"])


def test_every_count_drills_down_to_exactly_its_customers(report):
    parser = Marks()
    parser.feed(report.html)
    counted = [(tag, selection, shown_count(tag, text)) for tag, selection, text in parser.marks]
    counted = [mark for mark in counted if mark[2] is not None]
    assert len(counted) > 150, f"only {len(counted)} drill-down counts in the report"
    assert {tag for tag, _, _ in counted} == {"a", "rect"}
    wrong = [(selection, count, matching(report.customers, selection)) for _, selection, count in counted
             if matching(report.customers, selection) != count]
    assert not wrong, wrong[:5]
    filtered_on = {name for _, selection, _ in counted for name in selection}
    assert filtered_on <= set(report.customers["columns"])
    assert {"lifecycle_stage", "r_score", "f_score", "value_class", "previous_rfm_segment", "action_list",
            "recommended_channel", "cohort_month", "active_months", "clv_bucket"} <= filtered_on


def test_the_reports_counts_are_the_marts_counts(report):
    """Counted from the report's own customer view, they agree with the marts that define them."""
    with connect(report.warehouse, read_only=True) as connection:
        data = report_data.load(connection, DAY)
    assert data.customers_total == len(report.customers["rows"])
    for dimension in ("lifecycle_stage", "value_class"):
        summary = dict(report.query(f"select dimension_value, count_customers from marts.segment_summary "
                                    f"where as_of_date = '{DAY}' and dimension = '{dimension}'"))
        assert dict(data.counts[dimension][[dimension, "customers"]].itertuples(index=False)) == summary
    sheet = dict(report.query(f"select action_list, count(*) from marts.call_sheet where as_of_date = '{DAY}' group by 1"))
    assert data.counts["call_sheet"].groupby("action_list")["customers"].sum().to_dict() == sheet
    assert "holdout" in set(data.counts["call_sheet"]["contact_status"])  # bars without them, drill-downs too
    assert data.counts["rfm_grid"]["customers"].sum() == report.query(
        f"select count(*) from marts.customer_rfm where as_of_date = '{DAY}'")[0][0]
    # migration: customer_segment_transitions (from a customer not in the history then, or with no value)
    assert data.migration_from_date == date(2026, 6, 23)
    for dimension in ("lifecycle_stage", "rfm_segment", "value_class"):
        transitions = {(a, b): n for a, b, n in report.query(f"""
            select case when not was_known_on_from_date then '{NOT_KNOWN}' else coalesce(from_value, '{NONE}') end,
                   coalesce(to_value, '{NONE}'), count_customers
            from marts.customer_segment_transitions where dimension = '{dimension}'""")}
        frame = data.counts[f"migration_{dimension}"]
        assert {(a, b): n for a, b, n in frame[["from_value", "to_value", "customers"]].itertuples(index=False)} \
            == transitions
    # cohorts: sizes and buyers per month are cohort_retention's
    cohorts = {(c, k): (n, active) for c, k, n, active in report.query(f"""
        select strftime(cohort_month, '%Y-%m'), months_since_first_purchase, count_customers, count_active_customers
        from marts.cohort_retention where cohort_month >= date '{data.cohort_first_month}'""")}
    assert {(r.cohort_month, r.months_since_first_purchase): (r.count_customers, r.count_active_customers)
            for r in data.counts["cohorts"].itertuples()} == cohorts
    # every CLV score in one bucket; the edges cover the largest
    assert data.counts["clv"]["customers"].sum() == report.query("select count(*) from marts.customer_clv")[0][0]
    assert data.clv_edges[-1] > report.query("select max(discounted_clv_amount) from marts.customer_clv")[0][0]
    assert data.notes == {}, data.notes


def test_the_report_is_one_file_that_needs_no_network(report):
    assert report.path == report.path.parent.parent / DAY.isoformat() / REPORT_FILE
    external = re.findall(r'(?:src|href)\s*=\s*"(?!#)[^"]*"', report.html)
    assert external == [], external
    assert "<link" not in report.html and "@import" not in report.html and "url(" not in report.html
    assert not list(report.path.parent.glob(".*.tmp"))
    for section in SECTIONS:
        assert f'<section id="{section}">' in report.html
    assert report.html.count('class="chart"') >= len(SECTIONS) + 1  # the RFM grid twice (customers, margin)
    assert report.path.stat().st_size < 2_000_000


def test_a_capped_drill_down_says_how_many_customers_it_holds(report, tmp_path):
    written = write_report(report.warehouse, DAY, tmp_path, max_customers=100)
    html = written.path.read_text(encoding="utf-8")
    assert len(embedded_customers(html)["rows"]) == written.customers_embedded == 100
    assert f"The file holds 100 of the day's {written.customers:,} customers" in html
    # the counts still count everyone
    lost = report.query(f"select count(*) from marts.customer_lifecycle where lifecycle_stage = 'lost'")[0][0]
    assert f'{{&quot;lifecycle_stage&quot;: &quot;lost&quot;}}">{lost:,}</a>' in html


def test_a_day_without_history_or_clv_says_why_sections_are_empty(demo_build, tmp_path):
    """The single-day demo build: no week-old day, no window start, no CLV fit."""
    written = write_report(demo_build.warehouse, DAY, tmp_path)
    assert set(written.notes) == {"migration", "retention_kpis", "clv"}
    html = written.path.read_text(encoding="utf-8")
    assert "backfill the days before 2026-06-30" in html
    assert "No CLV scores for this day" in html
    with pytest.raises(RuntimeError, match="the marts show 2026-06-30, not 2026-06-29"):
        write_report(demo_build.warehouse, date(2026, 6, 29), tmp_path)


def test_the_report_works_in_a_browser(report):
    reason = missing_browser()
    if reason:
        pytest.skip(reason)
    from selenium.webdriver.common.by import By

    lost = report.query(f"select count(*) from marts.customer_lifecycle where lifecycle_stage = 'lost'")[0][0]
    with chromium() as driver:
        driver.get(report.path.as_uri())
        # every chart drew: marks inside, and a size on the page (the margin grid once switched to)
        charts = driver.execute_script("""
            return Array.from(document.querySelectorAll('svg.chart')).map(function (svg) {
              var box = svg.getBoundingClientRect();
              return [svg.closest('section').id, svg.querySelectorAll('rect, polyline, circle').length,
                      box.width, box.height, svg.closest('[hidden]') === null];
            });""")
        assert sorted({section for section, *_ in charts}) == sorted(SECTIONS)
        assert all(marks > 0 for _, marks, *_ in charts), charts
        assert all(width > 0 and height > 0 for _, _, width, height, visible in charts if visible), charts
        driver.find_element(By.CSS_SELECTOR, 'button[data-show="rfm-margin"]').click()
        margin = driver.find_element(By.CSS_SELECTOR, "#rfm-margin svg")
        assert margin.is_displayed() and margin.size["width"] > 0
        assert not driver.find_element(By.CSS_SELECTOR, "#rfm-customers svg").is_displayed()

        # a bar of the funnel: its customers, and only they
        driver.find_element(By.CSS_SELECTOR, '#lifecycle rect[data-filter=\'{"lifecycle_stage": "lost"}\']').click()
        assert driver.find_element(By.ID, "match-count").text.startswith(f"{lost} customers match")
        assert driver.find_element(By.ID, "active-filter").text == "lifecycle stage = lost"
        stages = driver.execute_script(
            "return Array.from(document.querySelectorAll('#customer-table tbody tr'))"
            ".map(function (row) { return row.cells[1].textContent; });")
        assert len(stages) == min(lost, 200) and set(stages) == {"lost"}
        # a number in a table: a cohort's buyers in a month
        link = driver.find_element(By.CSS_SELECTOR, "#cohorts table a.drill[data-filter*='active_months']")
        expected = int(link.text.replace(",", ""))
        driver.execute_script("arguments[0].click()", link)
        assert driver.find_element(By.ID, "match-count").text.startswith(f"{expected} customers match")
        driver.find_element(By.ID, "clear-filter").click()
        assert driver.find_element(By.ID, "match-count").text.startswith(f"{len(report.customers['rows'])} customers")

        errors = [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
        assert errors == []
        driver.execute_script("window.scrollTo(0, 0)")
        shot = full_page_screenshot(driver, ARTIFACTS_DIR / "report.png")
    assert shot.stat().st_size > 50_000


def test_a_report_that_cannot_be_written_fails_its_check_not_the_run(tmp_path):
    """A warehouse without marts: the step succeeds, its check fails and says why, no file is left."""
    from dagster import materialize

    from orchestration.assets.report import REPORT_CHECK, retention_report
    from orchestration.settings import RetentionSettings

    empty = tmp_path / "empty.duckdb"
    connect(empty).close()
    settings = RetentionSettings(transactions_path=str(tmp_path / "none.csv"), warehouse_path=str(empty),
                                 serving_path=str(tmp_path / "serving.duckdb"), exports_dir=str(tmp_path / "exports"))
    result = materialize([retention_report], partition_key=DAY.isoformat(), resources={"settings": settings},
                         raise_on_error=False)
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == REPORT_CHECK and not check.passed
    assert "was not written" in check.description and "customer_lifecycle" in check.description
    assert not (tmp_path / "exports").exists() or not list((tmp_path / "exports").rglob("*.html"))


def test_a_shop_of_one_purchase_customers_with_identical_spend_gets_a_report(tmp_path):
    """A shop at the edges: every customer bought once, all for the same amount, nobody is on a list yet."""
    from tests.conftest import write_csv

    rows = [(f"c{n:03d}", f"o{n:03d}", f"2026-06-{1 + n % 28:02d} 10:00:00", "25.00") for n in range(60)]
    transactions = write_csv(tmp_path / "transactions.csv", ["customer_id", "order_id", "ordered_at", "amount"], rows)
    result = build_warehouse(tmp_path, {"transactions_path": str(transactions)}, with_tests=False)
    assert result.returncode == 0, result.output[-3000:]
    written = write_report(tmp_path / "warehouse.duckdb", date(2026, 6, 28), tmp_path / "exports")  # the last day
    html = written.path.read_text(encoding="utf-8")
    assert written.customers == 60 and len(embedded_customers(html)["rows"]) == 60
    assert {"migration", "retention_kpis", "clv"} <= set(written.notes)
    parser = Marks()
    parser.feed(html)
    for tag, selection, text in parser.marks:
        count = shown_count(tag, text)
        if count is not None:
            assert matching(embedded_customers(html), selection) == count, selection
