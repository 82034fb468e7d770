"""The closed loop, proved on the demo: with a control group, the outcome
marts find an effect of the contacts that is there, and none that is not.

Two backfills of the same range with a 50 % control group. The first, the
Dagster job's, runs on the demo as it is: nobody answers a contact, so the treated and the
held-out customers come from one population and the uplift interval of every
list holds 0. The demo generator then answers that run's contacts
(orchestration/demo_data.py, "Simulated response to contacts", rate p); the
second run on that data (dbt alone: only the outcome marts are read) must show, per list, an interval above 0 that holds
the true effect on the contacted: their repurchase rate minus the rate they
would have had without the answers, i.e. counting only the purchases of the
first run's data (about p x (1 - q) for a list where a share q buys anyway).
"""

from __future__ import annotations

import pandas as pd
import pytest

from orchestration.demo_data import generate_demo_data
from orchestration.holdout import is_in_holdout
from orchestration.warehouse import run_dbt
from tests.conftest import RUN_DATE
from tests.support.dagster_runs import LAST_DAY, Environment, run_partitions

FIRST_DAY = "2026-04-20"
LISTS = ("repurchase_due", "churn_risk", "winback")
WINDOW_DAYS = 14
CONTROL = {
    "holdout_share": 0.5,
    "holdout_salt": "uplift-test",
    "outcome_window_days": {name: WINDOW_DAYS for name in LISTS},
    # a 99 % interval: three lists tested both ways
    "uplift_interval_z": 2.576,
}
RESPONSE_RATE = 0.5

UPLIFT_SQL = """
    select action_list, count_treated, count_held_out, treated_repurchase_rate, held_out_repurchase_rate,
        repurchase_uplift_lower, repurchase_uplift, repurchase_uplift_upper
    from marts.alert_uplift
    where recommended_action = 'all'
"""

# the episodes alert_uplift counts: each customer's first closed one per list
EPISODES_SQL = """
    select customer_id, action_list, as_of_date, outcome_window_end_date, is_holdout, has_purchased
    from marts.alert_outcomes
    where is_first_action_of_episode and is_window_closed
    qualify row_number() over (partition by customer_id, action_list order by as_of_date) = 1
"""


def _frame(env: Environment, sql: str) -> pd.DataFrame:
    import duckdb

    with duckdb.connect(env.warehouse, read_only=True) as connection:
        return connection.execute(sql).df()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("uplift")
    base = generate_demo_data(root / "data")["transactions"].parent

    (root / "no_effect").mkdir()
    with Environment(root / "no_effect", base, **CONTROL) as env:
        assert run_partitions(FIRST_DAY, LAST_DAY).success
        no_effect = _frame(env, UPLIFT_SQL).set_index("action_list")
        contacts = env.query("select customer_id, as_of_date from marts.alert_log where not is_holdout")
        control = {
            "log": _frame(env, "select customer_id, is_holdout from marts.alert_log"),
            "sheet_statuses": dict(env.query("select contact_status, count(*) from marts.call_sheet group by 1")),
            "outcome_statuses": dict(env.query("select outcome_status, count(*) from marts.alert_outcomes group by 1")),
            "exported_statuses": set(pd.concat(
                pd.read_parquet(path, columns=["contact_status"])
                for path in (root / "no_effect" / "exports").glob("*/call_sheet.parquet"))["contact_status"]),
            "exported_days": len(list((root / "no_effect" / "exports").glob("*/call_sheet.parquet"))),
        }
        natural_occasions = _frame(env, "select customer_id, purchase_date from intermediate.int_purchase_occasions_numbered")

    # The second run needs only the outcome marts, which dbt builds alone with
    # what they read (and its tests): the same range in one `dbt build`, as
    # the job's single-run backfill passes it.
    answered = generate_demo_data(root / "effect_data", contacts=contacts, contact_response_rate=RESPONSE_RATE)
    effect_root = root / "effect"
    built = run_dbt(["build", "--select", "+alert_outcomes", "+alert_uplift", "--indirect-selection", "cautious",
                     "--exclude-resource-type", "unit_test"],
                    {"run_date": RUN_DATE, **CONTROL,
                     "transactions_path": str(answered["transactions"]),
                     "customers_path": str(answered["transactions"].parent / "customers.csv"),
                     "as_of_date_start": FIRST_DAY, "as_of_date_end": LAST_DAY},
                    effect_root / "warehouse.duckdb", effect_root / "target")
    assert built.success, built.output[-3000:]
    effect_env = Environment(effect_root, answered["transactions"].parent)
    effect = _frame(effect_env, UPLIFT_SQL).set_index("action_list")
    episodes = _frame(effect_env, EPISODES_SQL)
    return no_effect, effect, episodes, natural_occasions, control


def _true_uplift(episodes: pd.DataFrame, natural_occasions: pd.DataFrame) -> pd.Series:
    """Per list: the contacted customers' repurchase rate minus the rate
    without the simulated answers (a purchase of the run without them in
    the episode's window)."""
    treated = episodes[~episodes["is_holdout"]].reset_index(drop=True)
    joined = treated.merge(natural_occasions, on="customer_id", how="left")
    in_window = (joined["purchase_date"] > joined["as_of_date"]) & (
        joined["purchase_date"] <= joined["outcome_window_end_date"])
    natural = joined[in_window].drop_duplicates(["customer_id", "action_list"])[["customer_id", "action_list"]]
    treated = treated.merge(natural.assign(bought_anyway=True), on=["customer_id", "action_list"], how="left")
    treated["bought_anyway"] = treated["bought_anyway"].fillna(False).astype(bool)
    rates = treated.groupby("action_list")[["has_purchased", "bought_anyway"]].mean()
    return rates["has_purchased"] - rates["bought_anyway"]


def test_the_control_group_is_the_documented_draw_and_never_in_the_sales_files(runs):
    """The same customers as orchestration/holdout.py draws, logged but never
    exported; every logged action has an outcome; the whole range in one run."""
    *_, control = runs
    log = control["log"]
    expected = log["customer_id"].map(lambda customer: is_in_holdout(customer, CONTROL["holdout_share"],
                                                                      CONTROL["holdout_salt"]))
    assert (log["is_holdout"] == expected).all()
    assert 0.4 < log["is_holdout"].mean() < 0.6
    assert control["sheet_statuses"]["holdout"] > 0
    assert control["exported_days"] == len(pd.date_range(FIRST_DAY, LAST_DAY))
    assert "holdout" not in control["exported_statuses"]
    assert sum(control["outcome_statuses"].values()) == len(log)
    assert set(control["outcome_statuses"]) == {"bought", "not_bought", "pending"}


@pytest.mark.parametrize("action_list", LISTS)
def test_no_effect_shows_no_uplift(runs, action_list):
    no_effect, *_ = runs
    row = no_effect.loc[action_list]
    assert row["count_treated"] >= 50 and row["count_held_out"] >= 50, row
    assert row["repurchase_uplift_lower"] <= 0 <= row["repurchase_uplift_upper"], row


@pytest.mark.parametrize("action_list", LISTS)
def test_the_simulated_effect_is_recovered_within_the_interval(runs, action_list):
    _, effect, episodes, natural_occasions, _ = runs
    row = effect.loc[action_list]
    true_uplift = _true_uplift(episodes, natural_occasions)[action_list]
    # the simulation did something: at least half the documented p x (1 - q)
    assert true_uplift >= 0.5 * RESPONSE_RATE * (1 - row["held_out_repurchase_rate"]), (true_uplift, row)
    assert row["repurchase_uplift_lower"] > 0, row
    assert row["repurchase_uplift_lower"] <= true_uplift <= row["repurchase_uplift_upper"], (true_uplift, row)
    # the control group is untouched by the answers
    assert row["held_out_repurchase_rate"] < row["treated_repurchase_rate"]
