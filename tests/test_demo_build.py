"""End to end on the demo data: the build passes every dbt test, and the marts
agree with invariants and with an independent recomputation in pandas."""

from __future__ import annotations

import csv
from collections import Counter

import numpy as np
import pandas as pd
import pytest

MARTS = [
    "customer_purchase_intervals", "customer_rfm", "customer_lifecycle", "transaction_rejects",
    "customer_segment_history", "customer_segment_transitions", "call_sheet", "alert_log", "segment_summary",
    "retention_kpis", "cohort_retention",
]


def test_build_ran_and_passed_every_unit_and_data_test(demo_build):
    results = demo_build.result.run_results()["results"]
    # exposures (models/marts/_exposures.yml) are in the build's results with nothing to run
    exposures = [r for r in results if r["unique_id"].startswith("exposure.")]
    assert exposures and all(r["status"] == "no-op" for r in exposures), exposures
    results = [r for r in results if not r["unique_id"].startswith("exposure.")]
    statuses = Counter(r["status"] for r in results)
    assert set(statuses) <= {"success", "pass"}, statuses
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
    data_tests = [r for r in results if r["unique_id"].startswith("test.")]
    assert len(unit_tests) >= 12
    assert len(data_tests) >= 80
    built = {r["unique_id"].split(".")[-1] for r in results if r["unique_id"].startswith("model.")}
    assert set(MARTS) <= built


def test_marts_live_in_the_marts_schema(demo_build):
    tables = {name for (name,) in demo_build.query(
        "select table_name from information_schema.tables where table_schema = 'marts'"
    )}
    assert set(MARTS) <= tables


def test_exactly_one_lifecycle_stage_per_known_customer(demo_build):
    transactions = pd.read_csv(demo_build.inputs["transactions"], dtype=str, keep_default_na=False)
    customers = pd.read_csv(demo_build.inputs["customers"], dtype=str)
    rejected_rows = {row for (row,) in demo_build.query("select source_row_number from marts.transaction_rejects")}
    used = transactions[~(transactions.index + 1).isin(rejected_rows)]
    known = set(used["customer_id"]) | set(customers["customer_id"])

    rows = demo_build.query("select customer_id, lifecycle_stage from marts.customer_lifecycle")
    assert len(rows) == len({customer for customer, _ in rows}), "a customer has several rows"
    assert {customer for customer, _ in rows} == known
    assert all(stage is not None for _, stage in rows)


def test_prospects_are_customers_who_never_bought(demo_build):
    transactions = pd.read_csv(demo_build.inputs["transactions"], dtype=str, keep_default_na=False)
    customers = pd.read_csv(demo_build.inputs["customers"], dtype=str)
    never_bought = set(customers["customer_id"]) - set(transactions["customer_id"].str.strip())
    prospects = {c for (c,) in demo_build.query(
        "select customer_id from marts.customer_lifecycle where lifecycle_stage = 'prospect'"
    )}
    assert never_bought and never_bought <= prospects


def test_raw_rows_reconcile_with_used_and_rejected(demo_build):
    with open(demo_build.inputs["transactions"], newline="", encoding="utf-8") as handle:
        count_raw = sum(1 for _ in csv.DictReader(handle))
    count_rejected = demo_build.scalar("select count(*) from marts.transaction_rejects")
    count_used = demo_build.scalar(
        "select sum(count_lines) from intermediate.int_customer_days_aggregated "
        "where activity_date <= (select max(as_of_date) from marts.customer_lifecycle)"
    )
    assert count_raw == count_used + count_rejected
    assert count_rejected > 0


def test_every_kind_of_bad_row_is_quarantined_with_its_reason(demo_build):
    reasons = {r for (r,) in demo_build.query("select distinct reject_reason from marts.transaction_rejects")}
    assert {
        "missing_customer_id", "unparseable_ordered_at", "unparseable_amount",
        "zero_amount", "ordered_at_in_future", "duplicate_line",
    } <= reasons


@pytest.mark.parametrize("score", ["r_score", "f_score", "m_score", "fm_score"])
def test_scores_are_between_1_and_5(demo_build, score):
    low, high, nulls = demo_build.query(
        f"select min({score}), max({score}), count(*) - count({score}) from marts.customer_rfm"
    )[0]
    assert (low, high, nulls) == (1, 5, 0)


@pytest.mark.parametrize(
    ("value", "score", "direction"),
    [("recency_days", "r_score", -1), ("frequency", "f_score", 1), ("monetary", "m_score", 1)],
)
def test_scores_share_ties_and_never_invert_order(demo_build, value, score, direction):
    rfm = pd.DataFrame(demo_build.query(f"select {value}, {score} from marts.customer_rfm"), columns=["v", "s"])
    assert (rfm.groupby("v")["s"].nunique() == 1).all(), "equal values got different scores"
    ordered = rfm.groupby("v")["s"].first().sort_index(ascending=direction > 0)
    assert ordered.is_monotonic_increasing, "a better value got a lower score"


def test_quantile_scores_split_the_base_in_fifths(demo_build):
    # with many distinct recency values each recency score holds about a fifth
    counts = dict(demo_build.query("select r_score, count(*) from marts.customer_rfm group by 1"))
    total = sum(counts.values())
    assert all(0.12 < counts[s] / total < 0.28 for s in range(1, 6)), counts


def test_figures_match_an_independent_recomputation(demo_build):
    """Occasions, frequency, recency, monetary and the mean of the last three
    gaps, recomputed in pandas from the rows the warehouse used."""
    raw = pd.read_csv(demo_build.inputs["transactions"], dtype=str, keep_default_na=False)
    rejected_rows = {row for (row,) in demo_build.query("select source_row_number from marts.transaction_rejects")}
    used = raw[~(raw.index + 1).isin(rejected_rows)].copy()
    used["amount"] = used["amount"].astype(float)
    used["day"] = pd.to_datetime(used["ordered_at"]).dt.normalize()
    as_of = pd.Timestamp(demo_build.scalar("select max(as_of_date) from marts.customer_lifecycle"))

    days = used.groupby(["customer_id", "day"], as_index=False)["amount"].sum()
    occasions = days[days["amount"] > 0].sort_values(["customer_id", "day"])
    occasions["gap"] = occasions.groupby("customer_id")["day"].diff().dt.days

    expected = pd.DataFrame({
        "frequency": occasions.groupby("customer_id").size(),
        "last_purchase_date": occasions.groupby("customer_id")["day"].max(),
        "mean_recent_interval_days": occasions.groupby("customer_id")["gap"].apply(lambda g: g.dropna().tail(3).mean()),
        "monetary": days.groupby("customer_id")["amount"].sum(),
    })
    expected = expected[expected["frequency"].notna()]
    expected["recency_days"] = (as_of - expected["last_purchase_date"]).dt.days

    actual = pd.DataFrame(
        demo_build.query(
            "select customer_id, frequency, days_since_last_purchase, mean_recent_interval_days, monetary "
            "from marts.customer_lifecycle where frequency > 0"
        ),
        columns=["customer_id", "frequency", "recency_days", "mean_recent_interval_days", "monetary"],
    ).set_index("customer_id")

    assert set(actual.index) == set(expected.index)
    joined = actual.merge(expected, left_index=True, right_index=True, suffixes=("", "_expected"))
    assert (joined["frequency"] == joined["frequency_expected"]).all()
    assert (joined["recency_days"] == joined["recency_days_expected"]).all()
    assert ((joined["monetary"].astype(float) - joined["monetary_expected"]).abs() < 0.005).all()
    pd.testing.assert_series_equal(
        joined["mean_recent_interval_days"].astype(float),
        joined["mean_recent_interval_days_expected"].astype(float),
        check_names=False,
    )


def test_rfm_monetary_is_margin_where_cost_is_known_recomputed(demo_build):
    """RFM monetary on its default basis (var rfm_monetary_basis: margin):
    every demo line carries a cost, so each customer's monetary is their
    margin up to the as-of date (net amount - cost of goods - the demo's cost
    to serve), recomputed in whole cents from the rows the warehouse used
    and the raw cost-to-serve file; the M score (quantile: 1 + floor(5 x
    percent rank), ties share) and m_level (above the mean) follow it."""
    raw = pd.read_csv(demo_build.inputs["transactions"], dtype=str, keep_default_na=False)
    rejected_rows = {row for (row,) in demo_build.query("select source_row_number from marts.transaction_rejects")}
    used = raw[~(raw.index + 1).isin(rejected_rows)].copy()
    used["customer_id"] = used["customer_id"].str.strip().str.upper()
    used["day"] = pd.to_datetime(used["ordered_at"]).dt.normalize()
    used["amount"] = (used["amount"].astype(float) * 100).round().astype("int64")
    used["cost"] = (used["cost"].replace("", "nan").astype(float).fillna(0) * 100).round().astype("int64")
    as_of = pd.Timestamp(demo_build.scalar("select max(as_of_date) from marts.customer_rfm"))
    services = pd.read_csv(demo_build.inputs["service_costs"], dtype=str, keep_default_na=False)
    services["customer_id"] = services["customer_id"].str.strip().str.upper()
    services = services[pd.to_datetime(services["incurred_on"]) <= as_of]
    service_cents = (services["cost_to_serve"].astype(float) * 100).round().astype("int64")

    days = used.groupby(["customer_id", "day"])["amount"].sum()
    buyers = days[days > 0].index.get_level_values("customer_id").unique()
    margin = (used.groupby("customer_id")["amount"].sum() - used.groupby("customer_id")["cost"].sum()).sub(
        service_cents.groupby(services["customer_id"]).sum(), fill_value=0
    )
    expected = pd.DataFrame({"monetary": margin.loc[buyers].astype("int64")})
    count = len(expected)
    rank = expected["monetary"].rank(method="min").astype("int64")
    expected["m_score"] = (1 + np.floor(5 * ((rank - 1) / (count - 1)))).clip(upper=5).astype("int64")
    expected["m_level"] = np.where(expected["monetary"] * count > expected["monetary"].sum(), "high", "low")

    actual = pd.DataFrame(
        demo_build.query("select customer_id, monetary, monetary_basis, m_score, m_level from marts.customer_rfm"),
        columns=["customer_id", "monetary", "monetary_basis", "m_score", "m_level"],
    ).set_index("customer_id")
    assert set(actual.index) == set(expected.index)
    assert (actual["monetary_basis"] == "margin").all()
    joined = actual.join(expected.add_suffix("_expected"))
    got_cents = (joined["monetary"].astype(float) * 100).round().astype("int64")
    assert (got_cents == joined["monetary_expected"]).all(), joined[got_cents != joined["monetary_expected"]].head()
    assert (joined["m_score"] == joined["m_score_expected"]).all(), joined[joined["m_score"] != joined["m_score_expected"]].head()
    assert (joined["m_level"] == joined["m_level_expected"]).all(), joined[joined["m_level"] != joined["m_level_expected"]].head()
    # margin, not revenue: below the net spend of customer_lifecycle (equal only
    # without any cost left, e.g. a purchase refunded in full)
    revenue = pd.Series(dict(demo_build.query(
        "select customer_id, monetary from marts.customer_lifecycle where frequency > 0"
    ))).astype(float)
    margin = actual["monetary"].astype(float)
    assert (margin <= revenue.loc[margin.index]).all()
    assert (margin < revenue.loc[margin.index]).mean() > 0.95


def test_lost_flag_and_date_follow_the_window(demo_build):
    violations = demo_build.scalar("""
        select count(*) from marts.customer_lifecycle
        where frequency > 0 and (
            is_lost != (days_since_last_purchase > lost_window_days)
            or (is_lost and lost_since != last_purchase_date + cast(floor(lost_window_days) as integer) + 1)
            or (is_lost and lifecycle_stage != 'lost')
            or (not is_lost and lost_since is not null)
        )
    """)
    assert violations == 0
    assert demo_build.scalar("select count(*) from marts.customer_lifecycle where is_lost") > 0


def test_each_lifecycle_stage_and_warning_band_occurs_in_the_demo(demo_build):
    stages = {s for (s,) in demo_build.query("select distinct lifecycle_stage from marts.customer_lifecycle")}
    assert stages == {"prospect", "new", "vulnerable", "alert", "evergreen", "lost"}
    bands = {b for (b,) in demo_build.query(
        "select distinct warning_band from marts.customer_lifecycle where warning_band is not null"
    )}
    assert bands == {"not_due", "repurchase_due", "churn_risk", "probably_gone"}


def test_intervals_chain_day_to_day(demo_build):
    broken = demo_build.scalar("""
        select count(*) from marts.customer_purchase_intervals
        where (purchase_number = 1) != (previous_purchase_date is null)
           or days_since_previous_purchase != purchase_date - previous_purchase_date
           or days_since_previous_purchase < 1
           or net_amount <= 0
    """)
    assert broken == 0


# customer_profile's columns and the mart each comes from (all joined on as_of_date, customer_id)
PROFILE_SOURCES = {
    "customer_lifecycle": ["lifecycle_stage", "first_purchase_date", "days_since_last_purchase"],
    "customer_rfm": ["r_score", "f_score", "m_score", "rfm_segment", "value_class"],
    "customer_value": ["profit_tier", "margin_amount"],
    "call_sheet": ["action_list", "recommended_channel", "contact_status", "sheet_rank"],
    "winback_candidates": ["winback_rank"],
}


@pytest.mark.parametrize("mart", PROFILE_SOURCES)
def test_customer_profile_holds_each_customer_marts_figures_unchanged(demo_build, mart):
    """One row per known customer; every column equals its own mart's, and a
    customer missing from that mart (no purchase, not on the sheet) has nulls."""
    columns = PROFILE_SOURCES[mart]
    assert demo_build.scalar("select count(*) from marts.customer_profile") == \
        demo_build.scalar("select count(*) from marts.customer_lifecycle")
    differing = demo_build.scalar(f"""
        select count(*)
        from marts.customer_profile as profile
        left join marts.{mart} as source
            on profile.customer_id = source.customer_id and profile.as_of_date = source.as_of_date
        where {" or ".join(f"profile.{c} is distinct from source.{c}" for c in columns)}""")
    assert differing == 0
    assert demo_build.scalar(f"select count({columns[0]}) from marts.customer_profile") > 0
