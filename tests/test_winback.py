"""marts.winback_candidates on the demo data with the demo churn-reasons file
of conftest: who is in (lost, or overdue beyond the analyst's minimum;
reason retainable or unknown), who is out (unretainable reason, active, a
recent buyer), and the ranking recomputed in pandas from the mart's own
factors (SLTV itself is recomputed in tests/test_call_sheet.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from orchestration.warehouse import PROJECT_DIR
from tests.test_customer_value import project_vars


def frame(build, sql: str) -> pd.DataFrame:
    import duckdb

    with duckdb.connect(str(build.warehouse), read_only=True) as connection:
        return connection.execute(sql).df()


@pytest.fixture(scope="module")
def mart(demo_build) -> pd.DataFrame:
    return frame(demo_build, "select * from marts.winback_candidates order by winback_rank")


@pytest.fixture(scope="module")
def latest_reasons(demo_build) -> pd.DataFrame:
    """Each customer's latest reason on or before the as-of date, from the raw file."""
    as_of = pd.Timestamp(demo_build.scalar("select max(as_of_date) from marts.customer_lifecycle"))
    raw = pd.read_csv(demo_build.inputs["churn_reasons"], dtype=str, keep_default_na=False)
    raw["customer_id"] = raw["customer_id"].str.strip().str.upper()
    raw["reason_code"] = raw["reason_code"].str.strip().str.lower()
    raw["reported_on"] = pd.to_datetime(raw["reported_on"])
    raw = raw[raw["reported_on"] <= as_of]
    raw = raw.sort_values(["customer_id", "reported_on", "reason_code"], ascending=[True, False, True])
    return raw.drop_duplicates("customer_id").set_index("customer_id")


@pytest.fixture(scope="module")
def expected(demo_build, latest_reasons) -> pd.DataFrame:
    """The candidates and their order, written again from the marts they build on."""
    settings = project_vars()
    unknown = float(settings["winback_unknown_reason_retainability"])
    lifecycle = frame(demo_build, "select * from marts.customer_lifecycle").set_index("customer_id")
    value = frame(demo_build, "select customer_id, margin_amount from marts.customer_value").set_index("customer_id")
    taxonomy = pd.read_csv(PROJECT_DIR / "seeds" / "churn_reason_taxonomy.csv").set_index("reason_code")

    nearly = (~lifecycle["is_lost"]
              & (lifecycle["expected_interval_ratio"] >= float(settings["winback_min_overdue_ratio"]))
              & (lifecycle["days_since_last_purchase"] >= int(settings["winback_min_days_since_last_purchase"])))
    out = lifecycle[lifecycle["is_lost"] | nearly].join(value, how="inner")
    out = out.join(latest_reasons[["reason_code"]], how="left")
    known = out["reason_code"].isin(taxonomy.index)
    out["is_reason_known"] = known
    out["retainable"] = out["reason_code"].map(taxonomy["is_retainable"]).where(known, True).astype(bool)
    out["retainability"] = out["reason_code"].map(taxonomy["retainability"]).where(known, unknown).astype(float)
    out = out[out["retainable"]].copy()
    return out.reset_index()


def test_the_reasons_file_reaches_the_mart(latest_reasons, mart):
    assert len(latest_reasons) > 100
    assert len(mart) > 100
    assert mart["is_reason_known"].any() and (~mart["is_reason_known"]).any()


def test_unretainable_reasons_are_left_out(demo_build, latest_reasons, mart):
    taxonomy = pd.read_csv(PROJECT_DIR / "seeds" / "churn_reason_taxonomy.csv").set_index("reason_code")
    unretainable = latest_reasons[latest_reasons["reason_code"].map(taxonomy["is_retainable"]).eq(False)].index
    lost = set(frame(demo_build, "select customer_id from marts.customer_lifecycle where is_lost")["customer_id"])
    assert len(lost & set(unretainable)) >= 5, "the demo file should mark some lost customers unretainable"
    assert not set(mart["customer_id"]) & set(unretainable)
    assert set(mart["reason_category"]) & {"natural", "need_changed", "unprofitable"} == set()


def test_unknown_codes_and_missing_reasons_are_kept_and_flagged(latest_reasons, mart):
    by_id = mart.set_index("customer_id")
    unknown_code = by_id[by_id["reason_code"] == "no_such_code"]
    no_reason = by_id[by_id["reason_code"].isna()]
    assert len(unknown_code) > 0 and len(no_reason) > 0
    for flagged in (unknown_code, no_reason):
        assert (flagged["reason_category"] == "unknown").all()
        assert (~flagged["is_reason_known"]).all()
        assert flagged["churn_type"].isna().all()
        assert (flagged["retainability"] == float(project_vars()["winback_unknown_reason_retainability"])).all()
    # a reason reported after the as-of date does not count: the earlier one does
    later = latest_reasons[latest_reasons["reason_code"] == "competitor_offer"].index
    assert (by_id.loc[by_id.index.intersection(later), "reason_code"] == "competitor_offer").all()


def test_every_lost_customer_with_a_retainable_or_unknown_reason_is_a_candidate(demo_build, expected, mart):
    lost = expected[expected["is_lost"]]
    assert len(lost) > 100
    assert set(lost["customer_id"]) <= set(mart["customer_id"])
    assert set(mart["customer_id"]) == set(expected["customer_id"])
    active = frame(demo_build, "select customer_id from marts.customer_lifecycle "
                               "where not is_lost and warning_band in ('not_due', 'repurchase_due', 'churn_risk')")
    assert not set(active["customer_id"]) & set(mart["customer_id"])
    # nobody who bought recently: a nearly lost customer has been quiet for the analyst's minimum
    minimum = int(project_vars()["winback_min_days_since_last_purchase"])
    assert (mart["days_since_last_purchase"] >= minimum).all()


def test_ranking_is_sltv_times_retainability_times_response(mart):
    assert list(mart["winback_rank"]) == list(range(1, len(mart) + 1))
    score = (mart["second_lifetime_value_amount"].astype(float) * mart["retainability"]
             * mart["response_likelihood"])
    assert (mart["winback_score_amount"].astype(float) - score).abs().max() < 1e-5
    assert mart["winback_score_amount"].astype(float).is_monotonic_decreasing
    assert (mart["is_first_life_value_negative"] == (mart["first_life_value_amount"].astype(float) < 0)).all()
    # likely to respond plays a part: a fresh loss outranks an old one of the same SLTV and reason
    assert mart["response_likelihood"].between(0, 1).all() and mart["response_likelihood"].nunique() > 10


def test_every_candidate_gets_a_winback_action(mart):
    assert mart["recommended_action"].notna().all()
    assert mart["priority"].notna().all()
