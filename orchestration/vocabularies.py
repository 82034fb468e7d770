"""The vocabularies the Python code shows, read from their one home: the
dbt project's seeds, the same files `dbt seed` loads into the warehouse's
reference schema. Nothing here spells a value.

    seeds/lifecycle_stages.csv  the lifecycle stages (stage_order, is_active);
                                the rule that decides them is
                                models/intermediate/int_customer_lifecycle_staged.sql
    seeds/action_lists.csv      the call sheet's action lists (list_order,
                                label); who is on which list is decided in
                                models/intermediate/int_customer_actions_proposed.sql
    seeds/profit_tiers.csv      the profit tiers (tier_order); the rule that
                                decides them is macros/definitions/profit_tier.sql

The RFM segments and value classes are read from the warehouse's copies of
seeds/rfm_segments.csv and seeds/value_classes.csv where they are shown in
an order (orchestration/report/build.py); the CLI summary shows them as
marts.segment_summary counts them.
"""

from __future__ import annotations

import csv
from pathlib import Path

from orchestration.warehouse import PROJECT_DIR

SEEDS_DIR = PROJECT_DIR / "seeds"


def seed_rows(name: str, order_by: str, seeds_dir: Path = SEEDS_DIR) -> list[dict[str, str]]:
    """The rows of seeds/<name>.csv as text, in the order of its integer column order_by."""
    with open(seeds_dir / f"{name}.csv", newline="", encoding="utf-8") as handle:
        return sorted(csv.DictReader(handle), key=lambda row: int(row[order_by]))


_STAGES = seed_rows("lifecycle_stages", "stage_order")
_LISTS = seed_rows("action_lists", "list_order")
_TIERS = seed_rows("profit_tiers", "tier_order")

# every lifecycle stage, in stage_order (from the customer with no purchase to the lost one)
LIFECYCLE_STAGES: list[str] = [row["lifecycle_stage"] for row in _STAGES]
# the stages of a customer who has bought and is not lost (marts.retention_kpis' is_active_customer)
ACTIVE_LIFECYCLE_STAGES: list[str] = [row["lifecycle_stage"] for row in _STAGES if row["is_active"].strip().lower() == "true"]
# the action lists of marts.call_sheet, in list_order, and what sales does with each
ACTION_LISTS: list[str] = [row["action_list"] for row in _LISTS]
ACTION_LIST_LABELS: dict[str, str] = {row["action_list"]: row["label"] for row in _LISTS}
# the profit tiers of marts.customer_value, in tier_order
PROFIT_TIERS: list[str] = [row["profit_tier"] for row in _TIERS]
