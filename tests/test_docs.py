"""The docs a BI team reads: `dbt docs generate` works on the demo
warehouse, every mart and every one of its columns has a description (the
CLV tables, written by Python, as a documented source), and the exposures
name what reads the marts outside the warehouse."""

from __future__ import annotations

import json

from orchestration.assets.report import REPORTED_MARTS
from orchestration.clv.store import TABLES as CLV_TABLES
from orchestration.warehouse import run_dbt
from tests.conftest import RUN_DATE


def test_docs_generate_and_every_mart_column_is_described(demo_build):
    dbt_vars = {
        "run_date": RUN_DATE,
        "transactions_path": str(demo_build.inputs["transactions"]),
        "customers_path": str(demo_build.inputs["customers"]),
        "service_costs_path": str(demo_build.inputs["service_costs"]),
        "churn_reasons_path": str(demo_build.inputs["churn_reasons"]),
    }
    target = demo_build.root / "target"
    result = run_dbt(["docs", "generate"], dbt_vars, warehouse=demo_build.warehouse, target_path=target)
    assert result.success, result.output[-3000:]
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())

    marts = {unique_id: node for unique_id, node in manifest["nodes"].items()
             if node["resource_type"] == "model" and node["fqn"][1] == "marts"}
    assert len(marts) >= 15
    undescribed = []
    for unique_id, node in marts.items():
        if not node["description"].strip():
            undescribed.append(node["name"])
        # the columns the warehouse really has (catalog), not only the documented ones
        assert unique_id in catalog["nodes"], f"{node['name']} is not in the catalog"
        for column in catalog["nodes"][unique_id]["columns"]:
            documented = node["columns"].get(column, {}).get("description", "")
            if not documented.strip():
                undescribed.append(f"{node['name']}.{column}")
    assert undescribed == []

    # the CLV tables (written by Python) are documented as a source: every column the writer creates
    clv_sources = {node["name"]: node for node in manifest["sources"].values() if node["source_name"] == "clv"}
    assert set(clv_sources) == set(CLV_TABLES)
    for table, columns in CLV_TABLES.items():
        assert clv_sources[table]["description"].strip()
        documented = {name for name, column in clv_sources[table]["columns"].items() if column["description"].strip()}
        assert documented == set(columns), table

    exposures = {node["name"]: node for node in manifest["exposures"].values()}
    assert {"sales_call_sheet", "action_list_files", "retention_report"} <= set(exposures)
    clv_ids = {node["unique_id"] for node in clv_sources.values()}
    for exposure in exposures.values():
        assert exposure["description"].strip() and exposure["owner"]["name"]
        assert exposure["depends_on"]["nodes"] and set(exposure["depends_on"]["nodes"]) <= set(marts) | clv_ids
    # the report's exposure names every mart the report asset reads
    assert {manifest["nodes"][n]["name"] for n in exposures["retention_report"]["depends_on"]["nodes"]
            if n in marts} == set(REPORTED_MARTS)
    assert (target / "index.html").exists()
