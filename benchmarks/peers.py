"""The customer summary of two peer libraries beside ours, on the same files (issue 13).

    .venv/bin/python -m benchmarks.peers --rows 1000000

Issue 13's target: our customer summary at least 5x faster than
pymc-marketing's rfm_summary and openretailscience's RFM segmentation.

1. The peers live in their own virtualenv, benchmarks/.venv-peers (python3.11),
   created on first use with the versions pinned in PEERS; one that cannot be
   installed is reported with pip's last lines, and the other still runs.
2. Each peer runs in a fresh process of that venv's python: it reads every
   daily file of data/bench/<N>/transactions (written by benchmarks.pipeline)
   into one pandas DataFrame (timed apart), then computes its summary with
   the data's last day as the observation end (timed).
3. Our hand-written query (benchmarks.pipeline's step 2, which reads the
   Parquet files itself) runs in a fresh process over the same files, the
   last day included.

Peak memory and wall time of each process come from benchmarks.pipeline's
run_step. The table and the ratios (a peer's compute, and its read + compute,
over our query) are printed and written to
benchmarks/results/peers-<N>-<commit>.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.pipeline import PROJECT_DIR, PYTHON, bench_dir, commit, machine, run_step

PEERS = {  # PyPI name -> the version installed and measured
    "pymc-marketing": "0.19.2",
    "openretailscience": "0.48.1",
}
VENV = PROJECT_DIR / "benchmarks" / ".venv-peers"
VENV_PYTHON = VENV / "bin" / "python"


# ---------------------------------------------------------------------------
# 1. The peers' virtualenv
# ---------------------------------------------------------------------------

def installed_version(package: str) -> str | None:
    found = subprocess.run([str(VENV_PYTHON), "-c", f"import importlib.metadata as m; print(m.version({package!r}))"],
                           capture_output=True, text=True)
    return found.stdout.strip() if found.returncode == 0 else None


def install_peers() -> dict:
    """Create the venv if missing and pip-install each pinned peer that is not there; say how it went."""
    report = {}
    if not VENV_PYTHON.exists():
        start = time.perf_counter()
        subprocess.run(["python3.11", "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV_PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        report["venv_seconds"] = round(time.perf_counter() - start, 1)
    for package, version in PEERS.items():
        if installed_version(package) == version:
            report[package] = {"version": version, "installed": True, "skipped": True}
            continue
        print(f"install: {package}=={version} into {VENV.relative_to(PROJECT_DIR)}", flush=True)
        start = time.perf_counter()
        pip = subprocess.run([str(VENV_PYTHON), "-m", "pip", "install", "--quiet", f"{package}=={version}"],
                             capture_output=True, text=True)
        seconds = round(time.perf_counter() - start, 1)
        ok = pip.returncode == 0 and installed_version(package) == version
        report[package] = {"version": version, "installed": ok, "skipped": False, "seconds": seconds}
        if not ok:
            report[package]["error"] = (pip.stdout + pip.stderr).strip().splitlines()[-15:]
        print(f"install: {package} {'done' if ok else 'FAILED'} in {seconds:.0f} s", flush=True)
    return report


# ---------------------------------------------------------------------------
# 2. A peer's summary (run in a child process of the peers' venv: `--peer NAME`)
# ---------------------------------------------------------------------------

def read_transactions(folder: Path):
    """Every daily file into one pandas DataFrame; the decimal amount and cost as floats."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(folder)  # a folder: pyarrow skips the _generated.json beside the files
    schema = table.schema
    for name in ("amount", "cost"):  # cast in Arrow: a pandas column of Decimal objects is slow
        schema = schema.set(schema.get_field_index(name), pa.field(name, pa.float64()))
    return table.cast(schema).to_pandas()


def pymc_marketing_summary(df, end: str):
    from pymc_marketing.clv.utils import rfm_summary

    start = time.perf_counter()
    summary = rfm_summary(df, customer_id_col="customer_id", datetime_col="ordered_at",
                          monetary_value_col="amount", observation_period_end=end)
    return time.perf_counter() - start, len(summary)


def openretailscience_summary(df, end: str):
    from openretailscience.segmentation.rfm import RFMSegmentation

    # the column names it requires (openretailscience.options: column.*)
    df = df.rename(columns={"ordered_at": "transaction_date", "amount": "unit_spend", "order_id": "transaction_id"})
    start = time.perf_counter()
    summary = RFMSegmentation(df, current_date=end).df  # .df runs the ibis expression (DuckDB)
    return time.perf_counter() - start, len(summary)


SUMMARIES = {"pymc-marketing": pymc_marketing_summary, "openretailscience": openretailscience_summary}


def run_peer(package: str, rows: int) -> None:
    """Print one JSON line: read and compute seconds, rows, customers (or the error)."""
    import traceback

    try:
        folder = bench_dir(rows) / "transactions"
        end = json.loads((folder / "_generated.json").read_text())["last_day"]
        start = time.perf_counter()
        df = read_transactions(folder)
        read_seconds = time.perf_counter() - start
        seconds, customers = SUMMARIES[package](df, end)
        print(json.dumps({"read_seconds": read_seconds, "seconds": seconds, "rows": len(df),
                          "customers": customers, "observation_end": end}))
    except Exception:  # reported in the result, and the other peer still runs
        print(json.dumps({"error": traceback.format_exc().strip().splitlines()[-1]}))


# ---------------------------------------------------------------------------
# 3. The benchmark
# ---------------------------------------------------------------------------

def measure(label: str, command: list[str]) -> dict:
    """run_step (wall time and peak memory of the process) and the JSON line the process printed
    last (its own timings); a crash is reported, not raised."""
    try:
        step = run_step(label, command)
    except SystemExit as crashed:
        return {"error": str(crashed)}
    printed = json.loads([line for line in step["output"] if line.startswith("{")][-1])
    return {"process_seconds": step["seconds"], "peak_rss_mb": step["peak_rss_mb"],
            "max_process_rss_mb": step["max_process_rss_mb"]} | printed


def benchmark(rows: int) -> dict:
    folder = bench_dir(rows) / "transactions"
    if not (folder / "_generated.json").exists():
        raise SystemExit(f"no files in {folder}: python -m benchmarks.pipeline --rows {rows} --generate-only")
    installs = install_peers()
    steps = {}
    steps["ours"] = measure("hand-written query",
                            [PYTHON, "-m", "benchmarks.pipeline", "--query", str(folder / "*.parquet")])
    steps["ours"]["rows"] = rows
    for package in PEERS:
        if not installs[package]["installed"]:
            steps[package] = {"error": "not installed (see install)"}
            continue
        steps[package] = measure(package, [str(VENV_PYTHON), "-m", "benchmarks.peers", "--peer", package,
                                           "--rows", str(rows)])
    for step in steps.values():
        if "seconds" in step:
            step["rows_per_second"] = step["rows"] / step["seconds"]
    ratios = {}
    for package in PEERS:
        if "seconds" in steps[package] and "seconds" in steps["ours"]:
            ratios[package] = {
                "compute_over_ours": steps[package]["seconds"] / steps["ours"]["seconds"],
                "read_and_compute_over_ours": (steps[package]["read_seconds"] + steps[package]["seconds"])
                                              / steps["ours"]["seconds"],
            }
    return {"rows": rows, "commit": commit(), "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(), "peers": PEERS, "install": installs, "steps": steps, "ratios": ratios}


def render(report: dict) -> str:
    lines = [f"{report['rows']:,} transactions, commit {report['commit']}, {report['date']}, {report['machine']}", "",
             "| summary | customers | read (s) | compute (s) | rows per second | process (s) | peak RSS (MB) |"
             " compute / ours | read + compute / ours |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, step in report["steps"].items():
        name = "ours (hand-written query)" if key == "ours" else f"{key} {report['peers'][key]}"
        if "seconds" not in step:
            lines.append(f"| {name} | failed: {step.get('error')} | | | | | | | |")
            continue
        ratio = report["ratios"].get(key, {})
        read = f"{step['read_seconds']:.2f}" if "read_seconds" in step else "(in query)"
        lines.append(f"| {name} | {step['customers']:,} | {read} | {step['seconds']:.2f} | "
                     f"{step['rows_per_second']:,.0f} | {step['process_seconds']:.1f} | {step['peak_rss_mb']:,.0f} | "
                     + (f"{ratio['compute_over_ours']:.1f}x | {ratio['read_and_compute_over_ours']:.1f}x |"
                        if ratio else "1 | 1 |"))
    lines += ["", "target (issue 13): each peer / ours >= 5x"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.peers", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="which generated files, data/bench/<rows> (default 1,000,000)")
    parser.add_argument("--peer", choices=list(PEERS), help=argparse.SUPPRESS)  # a peer's child process
    args = parser.parse_args(argv)
    if args.peer:
        run_peer(args.peer, args.rows)
        return 0
    report = benchmark(args.rows)
    table = render(report)
    print("\n" + table)
    results = PROJECT_DIR / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    path = results / f"peers-{args.rows}-{report['commit']}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {path.relative_to(PROJECT_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
