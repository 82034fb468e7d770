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
