"""The main job, headless: the Dagster job daily_retention for one as-of date.

    python -m orchestration.cli run                     # demo data (make demo)
    python -m orchestration.cli run --dataset cdnow     # the real CDNOW log
    python -m orchestration.cli backfill --start 2026-06-01 --end 2026-06-30
    python -m orchestration.cli run --transactions my/orders.parquet \\
        --customers my/customers.csv --as-of-date 2026-06-30 \\
        --var business_type=restaurant --var lost_window_days=45

It runs exactly what the schedule runs (dbt build, alert exports, serving
copy) for one partition, then prints the day's summary.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

from orchestration import demo_data
from orchestration.summary import summarise
from orchestration.warehouse import PROJECT_DIR, duckdb_path

# the last day of each bundled data set: its "latest day"
DATASET_LAST_DAY = {"demo": date(2026, 6, 30), "cdnow": date(1998, 6, 30)}
DATASET_FIRST_DAY = {"demo": date(2024, 7, 1), "cdnow": date(1997, 1, 1)}


def failure_text(error) -> str:
    """A failed step's error with what caused it: Dagster wraps the exception an
    op raised ("Error occurred while executing op ..."), and that wrapper alone
    does not say what went wrong."""
    messages = []
    while error is not None:
        message = error.message.strip()
        if message and message not in messages:
            messages.append(f"{error.cls_name}: {message}" if error.cls_name and messages else message)
        error = error.cause or error.context
    return "\n  caused by ".join(messages)


def _parse_var(text: str) -> tuple[str, object]:
    """name=value with a YAML value (numbers, lists, maps); dates stay text, as dbt vars expect."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"--var takes name=value, got {text!r}")
    parsed = yaml.safe_load(value)
    if isinstance(parsed, (date, datetime)):
        parsed = value.strip()
    return name.strip(), parsed


def configure_environment(args: argparse.Namespace) -> str:
    """Point the Dagster definitions at the chosen input (they read the environment); return the as-of date."""
    data_dir = Path(args.data_dir)
    if args.transactions:
        os.environ["RETENTION_TRANSACTIONS_PATH"] = args.transactions
        if args.customers:
            os.environ["RETENTION_CUSTOMERS_PATH"] = args.customers
        as_of = args.as_of_date or (date.today() - timedelta(days=1)).isoformat()
    else:
        if args.dataset == "cdnow":
            paths = demo_data.write_cdnow_transactions(data_dir / "cdnow")
        else:
            paths = demo_data.generate_demo_data(data_dir / "demo")
        os.environ["RETENTION_TRANSACTIONS_PATH"] = str(paths["transactions"])
        os.environ["RETENTION_CUSTOMERS_PATH"] = str(paths.get("customers", ""))
        os.environ.setdefault("RETENTION_PARTITIONS_START", DATASET_FIRST_DAY[args.dataset].isoformat())
        as_of = args.as_of_date or DATASET_LAST_DAY[args.dataset].isoformat()
    if args.var:
        os.environ["RETENTION_DBT_VARS"] = json.dumps(dict(args.var))
    return as_of


def dagster_instance():
    """The Dagster instance of DAGSTER_HOME, by default .dagster_home/ in the project
    (shared with `make dev`), configured by the project's dagster.yaml. A
    persistent instance is what makes the warehouse pool queue overlapping runs."""
    from dagster import DagsterInstance

    if not os.environ.get("DAGSTER_HOME"):
        home = PROJECT_DIR / ".dagster_home"
        home.mkdir(exist_ok=True)
        shutil.copyfile(PROJECT_DIR / "dagster.yaml", home / "dagster.yaml")
        os.environ["DAGSTER_HOME"] = str(home)
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    # two runs starting at once on a new instance would race to create its
    # SQLite tables: create (or open) it one process at a time
    with open(Path(os.environ["DAGSTER_HOME"]) / ".instance.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return DagsterInstance.get()


def render_checks(evaluations) -> str:
    """One line per data-quality check of the run (GX suites, dbt freshness)."""
    lines = ["Data quality checks (history: quality.validation_results):"]
    for evaluation in sorted(evaluations, key=lambda item: item.check_name):
        state = "passed" if evaluation.passed else f"FAILED ({evaluation.severity.value})"
        description = (evaluation.description or "").splitlines()
        detail = "; ".join(line.strip() for line in (description[1:4] or description[:1])) if not evaluation.passed else ""
        lines.append(f"  {evaluation.check_name:<36} {state}" + (f": {detail}" if detail else ""))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    as_of = configure_environment(args)
    first = getattr(args, "start", None) or as_of
    as_of = getattr(args, "end", None) or as_of
    # imported here: the partitions read the environment set above
    from dagster import materialize
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    from orchestration.definitions import ALL_ASSETS, ALL_CHECKS
    from orchestration.resources import WAREHOUSE_RUN_TAG, build_resources

    warehouse = duckdb_path()
    tags = {WAREHOUSE_RUN_TAG: "writer"}
    if first != as_of:
        # a range is one run and one pass of SQL, as a single-run backfill in the UI
        tags |= {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: as_of}
    print(f"Running the daily job for as-of dates {first} .. {as_of} into {warehouse}", flush=True)
    result = materialize(
        [*ALL_ASSETS, *ALL_CHECKS],
        partition_key=None if first != as_of else as_of,
        resources=build_resources(),  # built now, from the environment set above
        instance=dagster_instance(),
        tags=tags,
        raise_on_error=False,
    )
    print(render_checks(result.get_asset_check_evaluations()))
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                print(f"Step {event.step_key} failed: {failure_text(event.event_specific_data.error)}", file=sys.stderr)
        print("\nThe run failed; the marts, exports and serving copy keep their last good day.", file=sys.stderr)
        return 1
    from orchestration.settings import RetentionSettings

    settings = RetentionSettings.from_env()
    summary = summarise(warehouse)
    summary.serving_path = settings.serving_path
    summary.exports_dir = str(Path(settings.exports_dir) / as_of)
    print()
    print(summary.render())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="run the daily job for one as-of date and summarise it")
    backfill_parser = commands.add_parser("backfill", help="run the daily job for a range of as-of dates in one run")
    backfill_parser.add_argument("--start", required=True, help="first as-of date, YYYY-MM-DD")
    backfill_parser.add_argument("--end", required=True, help="last as-of date, YYYY-MM-DD (inclusive)")
    for sub in (run_parser, backfill_parser):
        sub.add_argument("--dataset", choices=["demo", "cdnow"], default="demo",
                         help="bundled input when --transactions is not given (default: demo)")
        sub.add_argument("--data-dir", default=str(PROJECT_DIR / "data"),
                         help="where the bundled data sets are written (default: data/)")
        sub.add_argument("--transactions", help="your transactions file or glob (CSV or Parquet)")
        sub.add_argument("--customers", help="your customers file (optional; with --transactions)")
        sub.add_argument("--var", action="append", type=_parse_var, metavar="NAME=VALUE",
                         help="any dbt var of dbt_project.yml, repeatable")
    run_parser.add_argument("--as-of-date",
                            help="YYYY-MM-DD; default: the data set's last day, or yesterday for your own data")
    backfill_parser.set_defaults(as_of_date=None)
    args = parser.parse_args(argv)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
