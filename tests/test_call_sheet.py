"""marts.call_sheet, marts.alert_log and marts.segment_summary on the demo
day: each rule of the sheet checked from the marts it builds on (the
proposals of int_customer_actions_proposed, the playbook and channel seeds,
the vars), not from hard-coded figures."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from orchestration.warehouse import PROJECT_DIR
from tests.test_customer_value import project_vars
from tests.test_winback import frame


@pytest.fixture(scope="module")
def sheet(demo_build) -> pd.DataFrame:
    return frame(demo_build, "select * from marts.call_sheet order by as_of_date, sheet_rank")


@pytest.fixture(scope="module")
def proposed(demo_build) -> pd.DataFrame:
    return frame(demo_build, "select * from intermediate.int_customer_actions_proposed")


@pytest.fixture(scope="module")
def settings() -> dict:
    return project_vars()


def test_the_demo_day_has_a_short_sheet_with_every_list(sheet, demo_build):
    customers = demo_build.scalar("select count(*) from marts.customer_lifecycle")
    assert set(sheet["action_list"]) == {"winback", "churn_risk", "repurchase_due"}
    assert 0 < len(sheet) < 0.2 * customers, "short: a fraction of the base, not 61 %"
    assert sheet["alert_reason"].str.len().gt(20).all()
    assert sheet["recommended_action"].notna().all()


def test_each_customer_is_on_the_sheet_at_most_once_a_day(sheet):
    assert not sheet.duplicated(["as_of_date", "customer_id"]).any()


def test_the_playbook_precedence_picks_the_list(sheet, proposed):
    """A customer several lists claim is on the list with the lowest precedence."""
    best = proposed.sort_values(["precedence", "value_at_stake_amount"], ascending=[True, False])
    best = best.drop_duplicates(["as_of_date", "customer_id"]).set_index(["as_of_date", "customer_id"])
    claimed_twice = proposed.groupby(["as_of_date", "customer_id"]).size().loc[lambda s: s > 1].index
    assert len(claimed_twice) > 0, "the demo should have customers on several lists"
    on_sheet = sheet.set_index(["as_of_date", "customer_id"])
    for key in claimed_twice.intersection(on_sheet.index):
        assert on_sheet.loc[key, "action_list"] == best.loc[key, "action_list"]


def test_contact_cadence_lists_a_state_on_entry_and_every_cooldown(sheet, proposed, settings):
    cooldown = settings["contact_cooldown_days"]
    days = sheet["days_in_state"].astype(int)
    assert (days >= 0).all()
    assert ((days % sheet["action_list"].map(cooldown)) == 0).all()
    assert (sheet["is_new_alert"] == (days == 0)).all()
    # customers whose state is between two cadence days are not listed
    chosen = proposed.sort_values(["precedence", "value_at_stake_amount"], ascending=[True, False])
    chosen = chosen.drop_duplicates(["as_of_date", "customer_id"]).copy()
    in_state = (pd.to_datetime(chosen["as_of_date"]) - pd.to_datetime(chosen["state_entered_date"])).dt.days
    between = chosen[(in_state % chosen["action_list"].map(cooldown)) != 0]
    assert len(between) > 0
    assert not set(between["customer_id"]) & set(sheet["customer_id"])


def test_channels_stay_within_their_daily_capacity(sheet, settings):
    capacities = {k: int(v) for k, v in settings["channel_daily_capacity"].items() if str(v).strip() != ""}
    today = sheet[sheet["contact_status"] == "contact_today"]
    for channel, count in today.groupby("recommended_channel").size().items():
        assert count <= capacities.get(channel, count), channel
    # the phone capacity is binding on the demo day, and the rest moved to the overflow channel
    channels = pd.read_csv(PROJECT_DIR / "seeds" / "contact_channels.csv").set_index("channel")
    moved = sheet[sheet["channel_note"].fillna("").str.startswith("Moved from phone")]
    assert (today["recommended_channel"] == "phone").sum() == capacities["phone"]
    assert len(moved) > 0
    assert (moved["recommended_channel"] == channels.loc["phone", "overflow_channel"]).all()
    # the ones who kept the phone have more at stake than the ones moved
    phone = today[today["recommended_channel"] == "phone"]
    assert phone["value_at_stake_amount"].min() >= moved["value_at_stake_amount"].max()


def test_the_sheet_is_ranked_by_value_at_stake(sheet):
    for _, day in sheet.groupby("as_of_date"):
        assert list(day["sheet_rank"]) == list(range(1, len(day) + 1))
        waiting = (day["contact_status"] == "waiting").astype(int)
        assert waiting.is_monotonic_increasing
        for _, status in day.groupby("contact_status"):
            assert status["value_at_stake_amount"].is_monotonic_decreasing


def test_below_zero_customers_get_no_costly_channel(proposed, sheet):
    channels = pd.read_csv(PROJECT_DIR / "seeds" / "contact_channels.csv").set_index("channel")
    costly = set(channels.index[channels["is_costly"]])
    below = proposed[proposed["profit_tier"] == "below_zero"]
    assert len(below) > 0, "the demo service costs put some customers below zero"
    assert not set(below["playbook_channel"]) & costly
    assert not set(sheet.loc[sheet["profit_tier"] == "below_zero", "recommended_channel"]) & costly


def test_win_back_targets_the_lost_and_the_long_overdue(proposed, settings):
    winback = proposed[proposed["action_list"] == "winback"]
    nearly = winback[~winback["is_lost"]]
    assert winback["is_lost"].any() and len(nearly) > 0
    assert (nearly["expected_interval_ratio"] >= float(settings["winback_min_overdue_ratio"])).all()
    assert (nearly["days_since_last_purchase"] >= int(settings["winback_min_days_since_last_purchase"])).all()
    # likelihood to respond: 1 when nearly lost, halving every half-life since the loss
    half_life = float(settings["winback_response_half_life_days"])
    lost = winback[winback["is_lost"]]
    since = (pd.to_datetime(lost["as_of_date"]) - pd.to_datetime(lost["lost_since"])).dt.days
    assert ((lost["response_likelihood"] - 0.5 ** (since / half_life)).abs() < 1e-9).all()
    assert (nearly["response_likelihood"] == 1).all()


def test_a_short_first_life_is_shrunk_toward_its_value_class(demo_build, proposed, settings):
    """SLTV = (margin + class median per day x k) / (life + k) x 365 x years,
    recomputed from the public marts: a short life moves toward its class."""
    k, years = float(settings["value_shrinkage_days"]), float(settings["sltv_horizon_years"])
    floor_days = float(settings["sltv_min_active_days"])
    buyers = frame(demo_build, """
        select l.customer_id, l.first_purchase_date, l.last_purchase_date, l.expected_interval_days,
               r.value_class, v.margin_amount
        from marts.customer_lifecycle as l
        inner join marts.customer_rfm as r using (customer_id, as_of_date)
        inner join marts.customer_value as v using (customer_id, as_of_date)
        where l.frequency > 0""").set_index("customer_id")
    life = (pd.to_datetime(buyers["last_purchase_date"]) - pd.to_datetime(buyers["first_purchase_date"])).dt.days
    buyers["life"] = (life + buyers["expected_interval_days"].fillna(0)).clip(lower=floor_days)
    buyers["raw"] = buyers["margin_amount"].astype(float) / buyers["life"]
    prior = buyers.groupby("value_class")["raw"].median()
    buyers["per_day"] = (buyers["margin_amount"].astype(float) + buyers["value_class"].map(prior) * k) / (buyers["life"] + k)
    winback = proposed[proposed["action_list"] == "winback"].set_index("customer_id")
    expected = buyers.loc[winback.index, "per_day"] * 365 * years
    assert (winback["second_lifetime_value_amount"] - expected).abs().max() < 1e-6
    short = buyers.loc[winback.index][buyers.loc[winback.index, "life"] < k]
    assert len(short) > 0
    target = short["value_class"].map(prior)
    assert ((short["per_day"] - target).abs() <= (short["raw"] - target).abs() + 1e-12).all()


def test_the_alert_log_keeps_every_contact_of_the_sheet(demo_build, sheet):
    log = frame(demo_build, "select * from marts.alert_log")
    today = sheet[sheet["contact_status"] == "contact_today"]
    assert len(log) == len(today) > 0
    merged = log.merge(today, on=["as_of_date", "customer_id"], suffixes=("", "_sheet"))
    assert len(merged) == len(log)
    for column in ("action_list", "recommended_action", "recommended_channel", "sheet_rank"):
        assert (merged[column] == merged[f"{column}_sheet"]).all(), column


def test_segment_summary_adds_up_and_drills_down(demo_build, sheet):
    summary = frame(demo_build, "select * from marts.segment_summary")
    customers = demo_build.scalar("select count(*) from marts.customer_lifecycle")
    assert set(summary["dimension"]) == {"lifecycle_stage", "rfm_segment", "value_class", "profit_tier",
                                         "warning_band", "action_list"}
    totals = summary.groupby("dimension")["count_customers"].sum()
    assert (totals.drop("action_list") == customers).all()
    assert totals["action_list"] == len(sheet)
    assert (summary.groupby("dimension")["share_customers"].sum() - 1).abs().max() < 1e-9
    # every count can be drilled into: its query returns exactly the customers counted
    with duckdb.connect(str(demo_build.warehouse), read_only=True) as connection:
        for row in summary.itertuples():
            listed = connection.execute(row.drill_down_sql).df()
            assert len(listed) == row.count_customers, row.drill_down_sql


def test_the_sales_csv_reads_codes_in_words_and_leaves_out_empty_columns():
    from orchestration.assets.exports import in_words, sales_columns

    sheet = pd.DataFrame({
        "sheet_rank": [1, 2], "customer_id": ["A", "B"], "email": [None, None], "phone": ["+49 1", None],
        "action_list": ["churn_risk", "repurchase_due"], "profit_tier": ["most_valuable", None],
        "reason_category": ["unknown", "unknown"],
    })
    assert sales_columns(sheet) == ["sheet_rank", "customer_id", "phone", "action_list", "profit_tier"]
    words = in_words(sheet)
    assert list(words["action_list"]) == ["churn risk", "repurchase due"]
    assert words["profit_tier"].iloc[0] == "most valuable" and pd.isna(words["profit_tier"].iloc[1])
    assert list(sheet["action_list"]) == ["churn_risk", "repurchase_due"], "the typed frame keeps its codes"
    sheet.loc[1, "reason_category"] = "disappointed_service"
    assert "reason_category" in sales_columns(sheet)
