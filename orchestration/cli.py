"""The main job, headless: prepare the input, build the warehouse, summarise.

    python -m orchestration.cli run                     # demo data (make demo)
    python -m orchestration.cli run --dataset cdnow     # the real CDNOW log
    python -m orchestration.cli run --transactions my/orders.parquet \
        --customers my/customers.csv --as-of-date 2026-06-30 \
        --var business_type=restaurant --var lost_window_days=45
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path

import yaml

from orchestration import demo_data
from orchestration.summary import summarise
from orchestration.warehouse import PROJECT_DIR, duckdb_path, run_dbt


def _parse_var(text: str) -> tuple[str, object]:
    """name=value with a YAML value (numbers, lists, maps); dates stay text, as dbt vars expect."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"--var takes name=value, got {text!r}")
    parsed = yaml.safe_load(value)
    if isinstance(parsed, (date, datetime)):
        parsed = value.strip()
    return name.strip(), parsed


def input_vars(args: argparse.Namespace) -> dict:
    """dbt vars that point the warehouse at the chosen input files."""
    if args.transactions:
        dbt_vars = {"transactions_path": str(Path(args.transactions).resolve())}
        if args.customers:
            dbt_vars["customers_path"] = str(Path(args.customers).resolve())
        return dbt_vars
    if args.dataset == "cdnow":
        paths = demo_data.write_cdnow_transactions(Path(args.data_dir) / "cdnow")
        return {"transactions_path": str(paths["transactions"]), "customers_path": ""}
    paths = demo_data.generate_demo_data(Path(args.data_dir) / "demo")
    return {
        "transactions_path": str(paths["transactions"]),
        "customers_path": str(paths["customers"]),
    }


def run(args: argparse.Namespace) -> int:
    dbt_vars = input_vars(args)
    if args.as_of_date:
        dbt_vars["as_of_date"] = args.as_of_date
    dbt_vars.update(dict(args.var or []))
    warehouse = duckdb_path()
    print(f"Building the warehouse {warehouse} with vars {dbt_vars}", flush=True)
    result = run_dbt(["build"], dbt_vars=dbt_vars, warehouse=warehouse, echo=not args.quiet)
    if not result.success:
        if args.quiet:
            print(result.output)
        print("\nThe build failed (see above); the marts keep their previous state.", file=sys.stderr)
        return result.returncode
    print()
    print(summarise(warehouse).render())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="build the warehouse for one as-of date and summarise it")
    run_parser.add_argument("--dataset", choices=["demo", "cdnow"], default="demo",
                            help="bundled input when --transactions is not given (default: demo)")
    run_parser.add_argument("--data-dir", default=str(PROJECT_DIR / "data"),
                            help="where the bundled data sets are written (default: data/)")
    run_parser.add_argument("--transactions", help="your transactions file or glob (CSV or Parquet)")
    run_parser.add_argument("--customers", help="your customers file (optional; with --transactions)")
    run_parser.add_argument("--as-of-date", help="YYYY-MM-DD; default: the latest usable transaction date")
    run_parser.add_argument("--var", action="append", type=_parse_var, metavar="NAME=VALUE",
                            help="any dbt var of dbt_project.yml, repeatable")
    run_parser.add_argument("--quiet", action="store_true", help="print dbt's output only on failure")
    args = parser.parse_args(argv)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
