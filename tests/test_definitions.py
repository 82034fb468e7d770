"""The Dagster code location loads: every dbt node is an asset or a check."""

from __future__ import annotations

import dagster as dg

from orchestration.definitions import defs


def test_definitions_load_with_every_dbt_model_and_seed():
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {
        "marts/customer_purchase_intervals", "marts/customer_rfm",
        "marts/customer_lifecycle", "marts/transaction_rejects",
        "staging/stg_raw__transactions", "reference/rfm_segments",
    } <= keys
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups == {"raw", "staging", "intermediate", "marts", "reference", "exports", "serving"}


def test_dbt_tests_are_asset_checks():
    graph = defs.resolve_asset_graph()
    checks = {(check.asset_key.to_user_string(), check.name) for check in graph.asset_check_keys}
    assert ("marts/customer_lifecycle", "unique_customer_lifecycle_customer_id") in checks
    assert len(checks) >= 80


def test_daily_schedule_materializes_the_day_that_just_ended_at_six():
    from datetime import datetime, timezone

    schedule = defs.get_schedule_def("daily_retention_schedule")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.execution_timezone == "UTC"
    assert schedule.job_name == "daily_retention"
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 7, 1, 6, 0, tzinfo=timezone.utc))
    run_requests = schedule.evaluate_tick(context).run_requests
    assert [request.partition_key for request in run_requests] == ["2026-06-30"]


def test_the_business_time_zone_is_one_setting_the_dbt_var(monkeypatch):
    """Partitions, schedule and freshness read dbt var business_timezone (with
    RETENTION_DBT_VARS on top), the var dbt dates the orders with; the old
    second setting RETENTION_TIMEZONE is refused with what to set instead."""
    import pytest

    from orchestration.warehouse import business_timezone

    monkeypatch.delenv("RETENTION_TIMEZONE", raising=False)
    monkeypatch.delenv("RETENTION_DBT_VARS", raising=False)
    assert business_timezone() == "UTC"
    monkeypatch.setenv("RETENTION_DBT_VARS", '{"business_timezone": "Europe/Berlin"}')
    assert business_timezone() == "Europe/Berlin"
    monkeypatch.setenv("RETENTION_TIMEZONE", "Asia/Tokyo")
    with pytest.raises(ValueError, match="dbt var business_timezone"):
        business_timezone()


def test_partitioned_assets_backfill_in_one_run_and_warehouse_steps_share_one_pool():
    from orchestration.definitions import ALL_ASSETS
    from orchestration.resources import WAREHOUSE_POOL

    partitioned = [a for a in ALL_ASSETS if a.partitions_def is not None]
    assert len(partitioned) == 5  # daily dbt models, the CLV fit, the call-sheet export, the report, the serving copy
    assert all(a.backfill_policy == dg.BackfillPolicy.single_run() for a in partitioned)
    warehouse_steps = [a for a in ALL_ASSETS if a.node_def.name != "raw_transactions_file"]
    assert all(a.node_def.pool == WAREHOUSE_POOL for a in warehouse_steps)


def test_every_suite_file_is_a_check_on_an_existing_asset_and_the_blocking_rules_are_dbt_checks():
    from orchestration.assets.dbt import retention_dbt_base
    from orchestration.definitions import ALL_CHECKS, defs
    from tests.test_bad_input_cases import GUARDS
    from orchestration.quality.runner import load_suites
    from orchestration.resources import WAREHOUSE_POOL

    suites = load_suites()
    assert {"raw_transactions", "stg_raw__transactions", "customer_rfm", "customer_lifecycle",
            "customer_purchase_intervals", "customer_clv"} <= set(suites)
    specs = {spec.key.name: spec for check in ALL_CHECKS for spec in check.check_specs}
    asset_keys = set(defs.resolve_asset_graph().get_all_asset_keys())
    for name, suite in suites.items():
        spec = specs[f"{name}_suite"]
        assert spec.asset_key == dg.AssetKey(list(suite.asset_key)) and spec.asset_key in asset_keys
        assert spec.blocking == suite.blocking
    # the rules that stop a load are dbt tests on the validated model, the same for dbt and Dagster;
    # the raw suite only warns, and CLV never blocks the day
    assert not specs["raw_transactions_suite"].blocking and not specs["customer_clv_suite"].blocking
    dbt_checks = {spec.name: spec for spec in retention_dbt_base.check_specs}
    for guard in GUARDS:
        assert dbt_checks[guard].asset_key == dg.AssetKey(["intermediate", "int_transactions_validated"]), guard
    assert specs["transactions_freshness"].asset_key == dg.AssetKey("raw_transactions_file")
    assert not specs["transactions_freshness"].blocking
    assert all(check.node_def.pool == WAREHOUSE_POOL for check in ALL_CHECKS)


def test_the_clv_fit_reads_the_btyd_summary_and_the_serving_copy_publishes_its_tables():
    from orchestration.assets.clv import BTYD_SUMMARY_KEY, CLV_KEYS
    from orchestration.assets.serving import MARTS
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    assert BTYD_SUMMARY_KEY in graph.get_all_asset_keys()
    for key in CLV_KEYS:
        assert graph.get(key).parent_keys == {BTYD_SUMMARY_KEY}
        assert key.path[-1] in MARTS
