"""The main job, headless: the Dagster job daily_retention for one as-of date.

    python -m orchestration.cli run                     # demo data (make demo)
    python -m orchestration.cli run --dataset cdnow     # the real CDNOW log
    python -m orchestration.cli backfill --start 2026-06-01 --end 2026-06-30
    python -m orchestration.cli run --transactions my/orders.parquet \\
        --customers my/customers.csv --as-of-date 2026-06-30 \\
        --var business_type=restaurant --var lost_window_days=45

It runs exactly what the schedule runs (dbt build, alert exports, serving
copy) for one partition and prints one line per step (a progress line every
10 s for a long one), the data quality checks and the day's summary;
--verbose prints Dagster's and dbt's full logs instead of the step lines.
"""

from __future__ import annotations

import argparse
import atexit
import fcntl
import json
import os
import re
import shutil
import sys
import uuid
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

from orchestration import demo_data
from orchestration.progress import QUIET_RUN_CONFIG, RunProgress, quiet_streams, step_catalog
from orchestration.summary import summarise
from orchestration.engine import spark_warehouse_dir, target_from_env
from orchestration.warehouse import PROJECT_DIR, duckdb_path

from orchestration.demo_data import DATASET_FIRST_DAY, DATASET_LAST_DAY


# dagster-dbt's error for a failed dbt command ends with dbt's own error messages after this line
DBT_ERRORS_MARKER = "Errors parsed from dbt logs:"
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
DAGSTER_WRAPPER = "Error occurred while executing"


def _error_chain(error) -> list:
    chain = []
    while error is not None and len(chain) < 20:
        chain.append(error)
        error = error.cause or error.context
    return chain


def dbt_error_messages(error) -> list[str]:
    """dbt's error messages (failed models and tests, compilation errors, the
    guard's message) from the error of a failed dbt step, without dagster-dbt's
    wrapper around them (the command line, "check the compute logs")."""
    for item in _error_chain(error):
        _, marker, text = (item.message or "").partition(DBT_ERRORS_MARKER)
        if marker:
            messages = []
            for message in re.split(r"\n\s*\n", ANSI_ESCAPE.sub("", text)):
                message = message.strip("\n").rstrip()
                if message.strip() and message not in messages:
                    messages.append(message)
            return messages
    return []


def failure_text(error) -> str:
    """What went wrong in a failed step, in the words of whatever caused it:
    dbt's error messages for a dbt step, else the exception the step raised and
    its causes. Dagster's wrapper ("Error occurred while executing op ...")
    only says where, so it is left out when there is more."""
    dbt_messages = dbt_error_messages(error)
    if dbt_messages:
        log = next((match.group(1) for item in _error_chain(error)
                    if (match := re.search(r"view the dbt debug log: (\S+?)\.?\n", item.message or ""))), None)
        return "\n".join(dbt_messages + ([f"(dbt's debug log: {log})"] if log else []))
    messages = []
    for item in _error_chain(error):
        # Dagster's message is "<module>.<class>: <text>"; the text is what matters
        message = re.sub(rf"^[\w.]*\b{re.escape(item.cls_name or '')}: ", "", (item.message or "").strip())
        if not message or DAGSTER_WRAPPER in message or any(message in seen for seen in messages):
            continue
        # a dagster.Failure's description is written for people; other exceptions keep their class name
        named = item.cls_name and item.cls_name != "Failure"
        messages.append(f"{item.cls_name}: {message}" if named else message)
    return "\n  caused by ".join(messages) or (error.message or "").strip()


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
    dbt_vars = dict(args.var) if args.var else json.loads(os.environ.get("RETENTION_DBT_VARS") or "{}")
    if not args.transactions:
        # a bundled data set is never the baseline your own feed's row count is
        # compared with, and its freshness is measured against its own last day
        dbt_vars.setdefault("transactions_is_sample", True)
        dbt_vars.setdefault("freshness_reference_date", DATASET_LAST_DAY[args.dataset].isoformat())
    if dbt_vars:
        os.environ["RETENTION_DBT_VARS"] = json.dumps(dbt_vars)
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


def _is_warning(evaluation) -> bool:
    return not evaluation.passed and evaluation.severity.value == "WARN"


def _check_line(evaluation) -> str:
    if evaluation.passed:
        state = "passed"
    else:
        state = "warning (handled, worth a look)" if _is_warning(evaluation) else f"FAILED ({evaluation.severity.value})"
    description = (evaluation.description or "").splitlines()
    detail = "; ".join(line.strip() for line in (description[1:4] or description[:1])) if not evaluation.passed else ""
    return f"  {evaluation.check_name:<36} {state}" + (f": {detail}" if detail else "")


def render_checks(evaluations, verbose: bool = False) -> str:
    """The run's data-quality checks (GX suites, the freshness check, dbt data tests,
    the CLV fit): how many passed, failed and warned, and one line per check that
    did not pass (every check with verbose). A warning is a check of severity WARN
    whose finding the warehouse handled (e.g. duplicate lines quarantined): it is
    counted apart from the failures so that a clean day reads "0 failed"."""
    evaluations = sorted(evaluations, key=lambda item: item.check_name)
    warned = [evaluation for evaluation in evaluations if _is_warning(evaluation)]
    failed = [evaluation for evaluation in evaluations if not evaluation.passed and not _is_warning(evaluation)]
    passed = len(evaluations) - len(failed) - len(warned)
    counts = f"{passed:,} passed, {len(failed):,} failed" if evaluations else "none ran"
    if warned:
        counts += f", {len(warned):,} warning" + ("s" if len(warned) > 1 else "")
    lines = [f"Data quality checks (history: quality.validation_results): {counts}"]
    lines += [_check_line(evaluation) for evaluation in (evaluations if verbose else failed + warned)]
    return "\n".join(lines)


def execute(instance, partition_key, tags, run_config=None, listener=None):
    """The daily job (orchestration/jobs.py) in this process, as `dagster job
    execute` would run it, with resources built now from the environment (a
    process may run several jobs, each with its own settings) and a run id
    chosen beforehand so that `listener` sees the run's events as they happen."""
    from dagster import Definitions

    from orchestration.definitions import ALL_ASSETS, ALL_CHECKS
    from orchestration.jobs import daily_retention_job
    from orchestration.resources import build_resources

    job = Definitions(
        assets=ALL_ASSETS, asset_checks=ALL_CHECKS, jobs=[daily_retention_job], resources=build_resources(),
    ).resolve_job_def(daily_retention_job.name)
    run_id = str(uuid.uuid4())
    if listener is not None:
        instance.add_event_listener(run_id, listener)
    return job.execute_in_process(
        run_config=run_config, instance=instance, partition_key=partition_key,
        raise_on_error=False, tags=tags, run_id=run_id,
    )


def report_failure(result, catalog: dict) -> None:
    """The message of each failed step (or of the run), and what to do, on stderr."""
    failures = [event for event in result.all_events if event.is_step_failure]
    for event in failures:
        label = catalog.get(event.step_key, (event.step_key,))[0]
        print(f"\nStep {label} failed:\n{failure_text(event.event_specific_data.error)}", file=sys.stderr)
    if not failures:
        for event in result.all_events:
            if event.is_run_failure:
                error = getattr(event.event_specific_data, "error", None)
                print(f"\nThe run failed: {failure_text(error) if error else event.message}", file=sys.stderr)
    print("\nThe run failed; the marts, exports and serving copy keep their last good day. Fix what the "
          "message above says and run the same command again (--verbose shows the full log).", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    as_of = configure_environment(args)
    first = getattr(args, "start", None) or as_of
    as_of = getattr(args, "end", None) or as_of
    verbose = getattr(args, "verbose", False)
    target = target_from_env()
    warehouse = duckdb_path() if target == "duckdb" else spark_warehouse_dir()
    print(f"Running the daily job for as-of dates {first} .. {as_of} into {warehouse}"
          + (" (Spark)" if target == "spark" else ""), flush=True)
    out = sys.stdout  # the step lines go here; the run's own output is swallowed unless verbose
    with nullcontext() if verbose else quiet_streams():
        # the manifest is brought up to date, then the definitions are loaded
        # (their resources read the environment set above)
        from orchestration.project import prepare_project

        prepare_project()
        from orchestration.definitions import ALL_ASSETS, ALL_CHECKS
        from orchestration.partitions import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG

        tags = {}
        if first != as_of:
            # a range is one run and one pass of SQL, as a single-run backfill in the UI
            tags = {PARTITION_RANGE_START_TAG: first, PARTITION_RANGE_END_TAG: as_of}
        catalog = step_catalog(ALL_ASSETS, ALL_CHECKS)
        progress = None if verbose else RunProgress(out, catalog)
        instance = dagster_instance()
        try:
            with progress or nullcontext():
                result = execute(
                    instance=instance,
                    partition_key=None if first != as_of else as_of,
                    tags=tags,
                    run_config=None if verbose else QUIET_RUN_CONFIG,
                    listener=progress,
                )
        finally:
            instance.dispose()
    print()
    print(render_checks(result.get_asset_check_evaluations(), verbose=verbose))
    if not result.success:
        sys.stdout.flush()
        report_failure(result, catalog)
        return 1
    from orchestration.settings import RetentionSettings

    settings = RetentionSettings.from_env()
    # on Spark the summary reads the serving copy: the day's marts, copied from Spark by the run
    summary = summarise(warehouse if target == "duckdb" else Path(settings.serving_path), as_of_date=as_of,
                        serving_path=settings.serving_path, exports_dir=str(Path(settings.exports_dir) / as_of))
    if target == "spark":
        summary.warehouse_line = f"Spark warehouse (SPARK_WAREHOUSE_DIR): {warehouse}"
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
        sub.add_argument("--verbose", action="store_true",
                         help="print Dagster's and dbt's full logs instead of one line per step")
    run_parser.add_argument("--as-of-date",
                            help="YYYY-MM-DD; default: the data set's last day, or yesterday for your own data")
    backfill_parser.set_defaults(as_of_date=None)
    args = parser.parse_args(argv)
    return run(args)


def exit_now(code: int) -> None:
    """Exit after the atexit handlers, without the interpreter's finalization.

    DuckDB 2's Python module is built with nanobind, which checks at the very
    end of finalization that every object of its types was freed, and prints
    "nanobind: leaked 27 instances ..." (plus types and functions) when not.
    They are not leaks of ours: no connection is open by then. The data
    quality checks run Great Expectations, which reaches the warehouse through
    SQLAlchemy's duckdb-engine; once both are loaded, whether
    duckdb-engine's classes (their annotations reference
    duckdb.DuckDBPyConnection, whose methods hold the DuckDBPyType constants)
    are freed before nanobind looks depends on the order and timing of
    finalization's garbage collection, and usually they are not. Nothing in
    the process can release them earlier (they belong to imported modules), so
    the CLI runs the atexit handlers (logging's flush among them), flushes its
    output and leaves with os._exit: the operating system frees the memory.
    """
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
