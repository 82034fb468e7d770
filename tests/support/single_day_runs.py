"""Build the as-of dependent models one day at a time, in one interpreter.

    python -m tests.support.single_day_runs <warehouse> <target> <vars json> <first day> <last day>

The reference the backfill test compares a one-pass range against. dbt runs
in-process (dbtRunner), which saves the interpreter start per day; it runs
in its own process because dbt keeps its DuckDB connection open. The project
is parsed once and the manifest reused for every day (dbt's "reusing
objects"): a changed --vars would otherwise force a full re-parse per day.
as_of_date is only read in model SQL, which dbt renders at run time with the
invocation's vars, never in a config that is fixed at parse time.
"""

import json
import os
import sys

import pandas as pd
from dbt.cli.main import dbtRunner

from orchestration.warehouse import PROJECT_DIR


def main(warehouse: str, target: str, dbt_vars_json: str, first: str, last: str) -> int:
    os.environ["DUCKDB_PATH"] = warehouse
    dbt_vars = json.loads(dbt_vars_json)
    common = ["--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR), "--target-path", target, "--quiet"]
    parsed = dbtRunner().invoke(["parse", *common, "--vars", json.dumps(dbt_vars)])
    if not parsed.success:
        return 1
    runner = dbtRunner(manifest=parsed.result)
    if not runner.invoke(["seed", *common, "--vars", json.dumps(dbt_vars)]).success:
        return 1
    for index, day in enumerate(pd.date_range(first, last).strftime("%Y-%m-%d")):
        # the as-of independent models once, then only what depends on the day
        # (the segment history and the retention KPIs, which read it)
        selection = ["--select", "+retention_kpis"] if index == 0 else [
            "--select", "int_as_of_dates_resolved+,+retention_kpis"]
        result = runner.invoke(["run", *common, *selection, "--vars", json.dumps({**dbt_vars, "as_of_date": day})])
        if not result.success:
            print(f"single-day run for {day} failed: {result.exception}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
