"""How long the daily pipeline takes on N generated transactions (issue 13).

    .venv/bin/python -m benchmarks.pipeline --rows 1000000     # also 10000000, 100000000

Steps, each timed, each in its own process, whose peak resident memory is
measured from the OS:

1. generate (once per N; skipped when the files exist): N transaction rows
   (the project's columns, orchestration/demo_data.py TRANSACTION_COLUMNS) of
   N/20 customers over three years, 2023-07-01 .. 2026-06-30, as one Parquet
   file per order date, data/bench/<N>/transactions/<YYYY-MM-DD>.parquet.
   Every customer has a first purchase day, a mean gap between purchase days
   (log-uniform 10-400 days) and gamma-jittered gaps (shape 2) around it;
   25 % buy once, 45 % of the others stop buying after an exponential
   lifetime (mean 400 days). Order lines carry one of 200 products (fixed
   price 3-150 EUR, cost 40-80 % of it) and a quantity of 1-3; exactly 4 % of
   the rows are returns (order id R..., negative quantity, amount and cost,
   1-20 days after the line they return). The rows are made by DuckDB SQL
   from range() and hash()-based randomness and written with COPY ...
   PARTITION_BY, so nothing of the size of the data passes through Python.
   Deterministic for a given N (and DuckDB version).
2. query: one hand-written DuckDB query over the history files (every day but
   the last), in a fresh process with DuckDB's default threads: daily net per
   customer, purchase occasions (days with positive net), gaps, frequency,
   first / last occasion, monetary, mean of the last 3 gaps.
3. full job: `python -m orchestration.cli run` on a fresh warehouse, serving
   copy, exports folder, dbt target folder and DAGSTER_HOME (under
   data/bench/<N>/run-<pid>/, removed afterwards unless --keep), as of the
   day before the last, reading a feed folder that holds the history files.
4. new day: the last day's file lands in the feed folder (beside the
   history, same glob) and the job runs again on the same warehouse, as of
   the last day.
5. dbt build (skip with --no-dbt-build): plain `dbt build` of the history on
   another fresh warehouse, as of the day before the last.

Peak memory is the largest sum of VmRSS over the step's process tree
(sampled from /proc every 0.1 s: the CLI and its dbt subprocesses together),
and, for comparison, the largest single process from the kernel (wait4's
ru_maxrss; it is at least the benchmark process's own RSS when the step
started, which Linux hands to a child at exec, about 100 MB here). The table and the ratios (full job / query, target
<= 3; new day / full job, target <= 0.1) are printed and written to
benchmarks/results/<N>-<commit>.json, with the job's own step lines and dbt's
slowest models (from run_results.json) of each run. Results are written down
in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
FIRST_DAY = date(2023, 7, 1)
LAST_DAY = date(2026, 6, 30)  # three years; the last day is the "new day"
CUSTOMER_ROWS = 20  # transactions per customer: N / 20 customers
RETURN_SHARE = 0.04
N_PRODUCTS = 200
ONE_TIME_SHARE = 0.25
MEAN_GAP_DAYS = (10, 400)  # log-uniform per customer
CHURNER_SHARE = 0.45  # of the repeat buyers
CHURN_MEAN_LIFETIME_DAYS = 400
RETURN_DELAY_DAYS = 20
SAMPLE_SECONDS = 0.1


# ---------------------------------------------------------------------------
# 1. Generate
# ---------------------------------------------------------------------------

def bench_dir(rows: int) -> Path:
    return PROJECT_DIR / "data" / "bench" / str(rows)


def _coprime_multiplier(n: int) -> int:
    """A multiplier m with gcd(m, n) = 1: j -> j * m mod n permutes 0..n-1."""
    m = 2654435761  # Knuth's multiplicative hash constant, a prime
    while math.gcd(m, n) != 1:
        m += 2
    return m


def generation_sql(rows: int) -> list[str]:
    """The statements that write rows transactions into data/bench/<rows>/_partitioned."""
    days = (LAST_DAY - FIRST_DAY).days + 1
    last = days - 1
    customers = max(1, rows // CUSTOMER_ROWS)
    returns = round(rows * RETURN_SHARE)
    purchases = rows - returns
    low, high = MEAN_GAP_DAYS
    multiplier = _coprime_multiplier(purchases)
    out = bench_dir(rows) / "_partitioned"
    # u(a, b, c): a uniform number in [0, 1) from a hash (53 bits), deterministic
    return [
        "create or replace temp macro u(a, b, c) as (hash(a, b, c) >> 11) / 9007199254740992.0",
        # one row per customer: first purchase day, mean gap, end (exclusive), candidate occasions
        f"""
        create or replace temp table customers as
        with drawn as (
            select
                c,
                cast(floor({days} * u(c, 1, 0)) as integer) as first_day,
                u(c, 2, 0) < {ONE_TIME_SHARE} as one_time,
                exp(ln({low}) + u(c, 3, 0) * ln({high / low})) as mean_gap,
                case when u(c, 4, 0) < {CHURNER_SHARE}
                     then -ln(1 - u(c, 5, 0)) * {CHURN_MEAN_LIFETIME_DAYS} else {days} end as lifetime
            from range({customers}) as t(c)
        )
        select c, first_day, mean_gap,
               least({days}, first_day + lifetime) as end_day,
               case when one_time then 1
                    else cast(least(5000, ceil(1.4 * (least({days}, first_day + lifetime) - first_day) / mean_gap) + 4)
                              as integer) end as candidates
        from drawn
        """,
        # purchase occasions: cumulative gamma(2)-jittered gaps from the first day, before the end
        """
        create or replace temp table occasions as
        with candidate as (
            select c, first_day, end_day, mean_gap, unnest(range(candidates)) as k from customers
        ),
        gapped as (
            select c, k, end_day,
                   first_day + sum(case when k = 0 then 0 else greatest(1, round(
                       mean_gap * (-ln(1 - u(c, k, 11)) - ln(1 - u(c, k, 12))) / 2)) end)
                       over (partition by c order by k) as day
            from candidate
        )
        select c, k, cast(day as integer) as day, 1 + cast(hash(c, k, 21) % 4 as integer) as weight
        from gapped where day < end_day
        """,
        # global order number and a weighted share of the purchase lines left after one per occasion
        """
        create or replace temp table numbered as
        select c, k, day, weight,
               row_number() over w - 1 as order_index,
               cast(sum(weight) over (w rows between unbounded preceding and current row) as bigint) as weight_through
        from occasions
        window w as (order by c, k)
        """,
        f"""
        create or replace temp table orders as
        with totals as (select count(*) as n_orders, sum(weight) as total_weight from numbered),
        spread as (
            select n.*, {purchases} - t.n_orders as extra, cast(t.total_weight as bigint) as total_weight
            from numbered as n, totals as t
        )
        select c, k, day, order_index,
               cast(order_index + (extra * (weight_through - weight)) // total_weight as bigint) as first_line,
               cast(1 + (extra * weight_through) // total_weight - (extra * (weight_through - weight)) // total_weight
                    as bigint) as n_lines
        from spread
        """,
        f"""
        copy (
            with line as (
                select c, k, day, order_index, first_line + l as j, l + 1 as line_id,
                       8 * 3600 + cast(hash(c, k, 51) % (14 * 3600) as integer) as second_of_day
                from (select *, unnest(range(n_lines)) as l from orders)
            ),
            priced as (
                select line.*,
                       cast(hash(j, 31, 0) % {N_PRODUCTS} as integer) as product,
                       1 + cast(u(j, 32, 0) < 0.25 as integer) + cast(u(j, 33, 0) < 0.08 as integer) as quantity
                from line
            ),
            purchase as (
                select priced.*,
                       300 + cast(hash(product, 41, 0) % 14701 as bigint) as price_cents,
                       0.40 + 0.40 * u(product, 42, 0) as cost_ratio,
                       (j * {multiplier}) % {purchases} as return_slot
                from priced
            ),
            purchase_rows as (
                select printf('C%08d', c + 1) as customer_id,
                       printf('O%010d', order_index + 1) as order_id,
                       line_id,
                       day, second_of_day, product, quantity, price_cents, cost_ratio, return_slot, j
                from purchase
            ),
            all_rows as (
                select customer_id, order_id, line_id, day, second_of_day, product, quantity,
                       price_cents, cost_ratio
                from purchase_rows
                union all
                select customer_id, printf('R%010d', return_slot + 1), 1,
                       day + case when day < {last}
                                  then 1 + cast(hash(j, 61, 0) % least({RETURN_DELAY_DAYS}, {last} - day) as integer)
                                  else 0 end,
                       8 * 3600 + cast(hash(j, 62, 0) % (14 * 3600) as integer),
                       product, -quantity, price_cents, cost_ratio
                from purchase_rows
                where return_slot < {returns}
            )
            select
                customer_id,
                order_id,
                line_id,
                date '{FIRST_DAY}' + day * interval 1 day + second_of_day * interval 1 second as ordered_at,
                cast(price_cents * quantity / 100 as decimal(12, 2)) as amount,
                quantity,
                printf('P%04d', product + 1) as product_id,
                'EUR' as currency,
                cast(round(price_cents * cost_ratio) * quantity / 100 as decimal(12, 2)) as cost,
                date '{FIRST_DAY}' + day as ordered_on
            from all_rows
        ) to '{out}' (format parquet, partition_by (ordered_on), overwrite_or_ignore)
        """,
    ]


def generate(rows: int) -> dict:
    """Write the daily files unless they are there; return what was generated."""
    import duckdb

    folder = bench_dir(rows)
    marker = folder / "transactions" / "_generated.json"
    if marker.exists():
        info = json.loads(marker.read_text())
        print(f"generate: {rows:,} rows already in {folder / 'transactions'} (skipped)", flush=True)
        return info | {"skipped": True}
    shutil.rmtree(folder / "_partitioned", ignore_errors=True)
    shutil.rmtree(folder / "transactions", ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    print(f"generate: {rows:,} rows of {max(1, rows // CUSTOMER_ROWS):,} customers into {folder}", flush=True)
    start = time.perf_counter()
    connection = duckdb.connect()
    connection.execute(f"set temp_directory = '{folder / '_spill'}'")
    connection.execute("set preserve_insertion_order = false")
    for statement in generation_sql(rows):
        connection.execute(statement)
    n_orders = connection.execute("select count(*) from orders").fetchone()[0]
    connection.close()
    shutil.rmtree(folder / "_spill", ignore_errors=True)
    # _partitioned/ordered_on=YYYY-MM-DD/data_0.parquet -> transactions/YYYY-MM-DD.parquet (flat
    # names: a glob of daily files, and no hive column read back)
    target = folder / "transactions"
    target.mkdir()
    for part in sorted((folder / "_partitioned").iterdir()):
        day = part.name.split("=", 1)[1]
        files = sorted(part.glob("*.parquet"))
        for index, file in enumerate(files):
            file.rename(target / (f"{day}.parquet" if index == 0 else f"{day}_{index}.parquet"))
    shutil.rmtree(folder / "_partitioned")
    seconds = time.perf_counter() - start
    check = duckdb.connect()
    counted, n_customers, returns, first, last = check.execute(f"""
        select count(*), count(distinct customer_id), count(*) filter (where amount < 0),
               min(ordered_at)::date, max(ordered_at)::date
        from read_parquet('{target}/*.parquet')""").fetchone()
    check.close()
    assert counted == rows, (counted, rows)
    info = {
        "rows": rows, "customers": n_customers, "orders": n_orders, "return_rows": returns,
        "first_day": str(first), "last_day": str(last), "files": len(list(target.glob("*.parquet"))),
        "bytes": sum(f.stat().st_size for f in target.glob("*.parquet")),
        "seconds": round(seconds, 2), "duckdb": duckdb.__version__,
    }
    marker.write_text(json.dumps(info, indent=2) + "\n")
    print(f"generate: {seconds:.1f} s, {info['files']} files, {info['bytes'] / 1e6:,.0f} MB, "
          f"{n_customers:,} customers, {n_orders:,} orders, {returns:,} return rows", flush=True)
    return info | {"skipped": False}


# ---------------------------------------------------------------------------
# 2. The hand-written query (run in a child process: `--query GLOB`)
# ---------------------------------------------------------------------------

HAND_WRITTEN_QUERY = """
create table customer_summary as
with daily as (
    select customer_id, cast(ordered_at as date) as day, sum(amount) as net_amount
    from read_parquet('{glob}')
    group by all
),
occasions as (
    select customer_id, day, net_amount,
           day - lag(day) over (partition by customer_id order by day) as gap_days,
           row_number() over (partition by customer_id order by day desc) as from_last
    from daily
    where net_amount > 0
)
select customer_id,
       count(*) as frequency,
       min(day) as first_purchase_date,
       max(day) as last_purchase_date,
       sum(net_amount) as monetary_amount,
       avg(gap_days) as mean_interval_days,
       avg(gap_days) filter (where from_last <= 3) as mean_recent_interval_days
from occasions
group by customer_id
"""


def run_query(glob: str) -> None:
    import duckdb

    connection = duckdb.connect()  # in memory, DuckDB's default threads and memory limit
    start = time.perf_counter()
    connection.execute(HAND_WRITTEN_QUERY.format(glob=glob))
    seconds = time.perf_counter() - start
    customers, occasions = connection.execute(
        "select count(*), sum(frequency) from customer_summary").fetchone()
    print(json.dumps({"seconds": seconds, "customers": customers, "occasions": int(occasions)}))


# ---------------------------------------------------------------------------
# Running a step: wall time and peak memory of the process tree
# ---------------------------------------------------------------------------

def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
    return pids


def run_step(label: str, command: list[str], env: dict | None = None, echo: bool = True) -> dict:
    """Run command, echo its output, and return seconds, peak tree RSS, largest process RSS, output."""
    print(f"\n== {label}: {' '.join(command)}", flush=True)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines: list[str] = []
    peak = {"kb": 0}
    done = threading.Event()

    def read() -> None:
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if echo:
                print(f"   | {line}", end="", flush=True)

    def sample() -> None:
        while not done.is_set():
            peak["kb"] = max(peak["kb"], sum(_rss_kb(pid) for pid in _tree(process.pid)))
            done.wait(SAMPLE_SECONDS)

    reader = threading.Thread(target=read, daemon=True)
    sampler = threading.Thread(target=sample, daemon=True)
    reader.start()
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)  # this child's (and its waited-for children's) usage
    seconds = time.perf_counter() - start
    done.set()
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    sampler.join()
    result = {
        "seconds": seconds, "exit_code": process.returncode,
        "peak_rss_mb": peak["kb"] / 1024, "max_process_rss_mb": usage.ru_maxrss / 1024,
        "output": lines,
    }
    print(f"== {label}: {seconds:.1f} s, peak RSS {result['peak_rss_mb']:,.0f} MB (process tree), "
          f"largest process {result['max_process_rss_mb']:,.0f} MB, exit code {process.returncode}", flush=True)
    if process.returncode != 0:
        raise SystemExit(f"{label} failed (exit code {process.returncode}); its output is above")
    return result


def dbt_invocations(target: Path, skip: set | None = None) -> list[dict]:
    """Per dbt invocation of a run (one folder per step under target): dbt's own
    elapsed time and the summed execution times of its models and tests; the
    rest of a step's time is process start, parse, and Dagster's bookkeeping."""
    invocations = []
    for path in sorted(target.rglob("run_results.json")):
        if skip and path in skip:
            continue
        results = json.loads(path.read_text())
        summed: dict[str, float] = {}
        for item in results.get("results", []):
            kind = item["unique_id"].split(".")[0]
            summed[kind] = round(summed.get(kind, 0.0) + (item.get("execution_time") or 0.0), 2)
        invocations.append({"folder": path.parent.name, "dbt_elapsed_seconds": round(results.get("elapsed_time", 0.0), 2),
                            "summed_seconds": summed})
    return invocations


def slowest_dbt_nodes(target: Path, top: int = 10) -> list[dict]:
    """The slowest dbt nodes of every run_results.json under target (model, test, freshness)."""
    nodes = []
    for path in target.rglob("run_results.json"):
        results = json.loads(path.read_text())
        command = results.get("args", {}).get("which", "")
        for item in results.get("results", []):
            nodes.append({"node": item["unique_id"], "command": command,
                          "seconds": round(item.get("execution_time") or 0.0, 2)})
    return sorted(nodes, key=lambda node: -node["seconds"])[:top]


# ---------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------

def _isolated_env(run_dir: Path) -> dict:
    env = dict(os.environ)
    env.update({
        "DUCKDB_PATH": str(run_dir / "warehouse.duckdb"),
        "DBT_TARGET_PATH": str(run_dir / "target"),
        "RETENTION_SERVING_PATH": str(run_dir / "serving.duckdb"),
        "RETENTION_EXPORTS_DIR": str(run_dir / "exports"),
        "DAGSTER_HOME": str(run_dir / "dagster_home"),
    })
    env.pop("RETENTION_DBT_VARS", None)
    (run_dir / "dagster_home").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PROJECT_DIR / "dagster.yaml", run_dir / "dagster_home" / "dagster.yaml")
    return env


def _job_steps(output: list[str]) -> list[str]:
    """The CLI's per-step lines (two-space indent, a time in seconds)."""
    return [line.strip() for line in output
            if line.startswith("  ") and " s " in line + " " and not line.strip().startswith("...")][:40]


def commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_DIR,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_DIR,
                               capture_output=True, text=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> str:
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores, {memory_gb:.0f} GB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def benchmark(rows: int, keep: bool, dbt_build: bool, backfill_days: int = 0) -> dict:
    import duckdb

    # generated in a child process: the parent stays small, so that wait4's
    # ru_maxrss of the later steps is theirs (Linux records the parent's
    # high-water RSS in a child at exec, vfork or fork)
    generated = run_step("generate", [PYTHON, "-m", "benchmarks.pipeline", "--rows", str(rows), "--generate-only"])
    folder = bench_dir(rows)
    info = json.loads((folder / "transactions" / "_generated.json").read_text())
    info |= {"skipped": any("(skipped)" in line for line in generated["output"]),
             "peak_rss_mb": generated["peak_rss_mb"]}
    history_day = LAST_DAY - timedelta(days=1)
    daily_files = sorted((folder / "transactions").glob("*.parquet"))
    new_day_files = [f for f in daily_files if f.name.startswith(LAST_DAY.isoformat())]
    history_files = [f for f in daily_files if f not in new_day_files]
    with duckdb.connect() as connection:
        new_day_rows = connection.execute(
            f"select count(*) from read_parquet({[str(f) for f in new_day_files]!r})").fetchone()[0]
    history_rows = rows - new_day_rows

    run_dir = folder / f"run-{os.getpid()}"
    shutil.rmtree(run_dir, ignore_errors=True)
    feed = run_dir / "feed"  # the folder the shop's daily files land in
    feed.mkdir(parents=True)
    for file in history_files:
        (feed / file.name).symlink_to(file)
    glob = str(feed / "*.parquet")
    steps: dict[str, dict] = {}

    query = run_step("hand-written query", [PYTHON, "-m", "benchmarks.pipeline", "--query", glob])
    steps["query"] = query | json.loads(query["output"][-1]) | {"rows": history_rows}
    steps["query"]["process_seconds"] = steps["query"].pop("seconds")  # wall time of the process
    steps["query"]["seconds"] = json.loads(query["output"][-1])["seconds"]  # the query alone

    env = _isolated_env(run_dir / "job")
    job = [PYTHON, "-m", "orchestration.cli", "run", "--transactions", glob,
           "--var", f"run_date={LAST_DAY + timedelta(days=1)}"]
    steps["full_job"] = run_step("full main job", job + ["--as-of-date", history_day.isoformat()], env)
    steps["full_job"] |= {"rows": history_rows, "slowest_dbt_nodes": slowest_dbt_nodes(run_dir / "job" / "target"),
                          "dbt_invocations": dbt_invocations(run_dir / "job" / "target"),
                          "job_steps": _job_steps(steps["full_job"]["output"])}
    seen = {p: p.stat().st_mtime for p in (run_dir / "job" / "target").rglob("run_results.json")}

    for file in new_day_files:  # the new day's file lands beside the history
        (feed / file.name).symlink_to(file)
    steps["new_day"] = run_step("new day", job + ["--as-of-date", LAST_DAY.isoformat()], env)
    fresh = [p for p in (run_dir / "job" / "target").rglob("run_results.json")
             if seen.get(p) != p.stat().st_mtime]
    nodes = []
    for path in fresh:
        nodes += [{"node": item["unique_id"], "seconds": round(item.get("execution_time") or 0.0, 2)}
                  for item in json.loads(path.read_text()).get("results", [])]
    steps["new_day"] |= {"rows": rows, "new_rows": new_day_rows,
                         "slowest_dbt_nodes": sorted(nodes, key=lambda n: -n["seconds"])[:10],
                         "dbt_invocations": dbt_invocations(run_dir / "job" / "target",
                                                           skip=set(seen) - set(fresh)),
                         "job_steps": _job_steps(steps["new_day"]["output"])}

    if backfill_days:
        # the same warehouse, the last backfill_days as-of dates up to the new day, in one run
        start = LAST_DAY - timedelta(days=backfill_days - 1)
        backfill = [PYTHON, "-m", "orchestration.cli", "backfill", "--transactions", glob,
                    "--var", f"run_date={LAST_DAY + timedelta(days=1)}",
                    "--start", start.isoformat(), "--end", LAST_DAY.isoformat()]
        steps["backfill"] = run_step(f"backfill of {backfill_days} days", backfill, env)
        steps["backfill"] |= {"rows": rows, "days": backfill_days,
                              "job_steps": _job_steps(steps["backfill"]["output"])}

    if dbt_build:
        build_env = _isolated_env(run_dir / "dbt")
        dbt_vars = {"transactions_path": str(run_dir / "dbt_feed" / "*.parquet"),
                    "as_of_date": history_day.isoformat(),
                    "run_date": (LAST_DAY + timedelta(days=1)).isoformat()}
        (run_dir / "dbt_feed").mkdir()
        for file in history_files:
            (run_dir / "dbt_feed" / file.name).symlink_to(file)
        steps["dbt_build"] = run_step(
            "dbt build", [str(Path(PYTHON).parent / "dbt"), "build", "--profiles-dir", ".",
                          "--target-path", str(run_dir / "dbt" / "target"), "--vars", json.dumps(dbt_vars)],
            build_env, echo=False)
        steps["dbt_build"] |= {"rows": history_rows,
                               "slowest_dbt_nodes": slowest_dbt_nodes(run_dir / "dbt" / "target"),
                               "dbt_invocations": dbt_invocations(run_dir / "dbt" / "target")}

    if not keep:
        shutil.rmtree(run_dir, ignore_errors=True)
    for step in steps.values():
        step["rows_per_second"] = step["rows"] / step["seconds"]
        step.pop("output", None) if step not in (steps["full_job"], steps["new_day"], steps.get("backfill")) else None
    report = {
        "rows": rows, "commit": commit(), "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(), "duckdb": duckdb.__version__, "generated": info,
        # profiles.yml's DuckDB settings as this run set them (unset: the profile's defaults)
        "duckdb_settings": {name: os.environ.get(name) for name in
                            ("DUCKDB_MEMORY_LIMIT", "DUCKDB_THREADS", "DUCKDB_TEMP_DIRECTORY")},
        "as_of_dates": {"full_job": history_day.isoformat(), "new_day": LAST_DAY.isoformat()},
        "history_rows": history_rows, "new_day_rows": new_day_rows,
        "steps": steps,
        "ratios": {
            "full_job_over_query": steps["full_job"]["seconds"] / steps["query"]["seconds"],
            "new_day_over_full_job": steps["new_day"]["seconds"] / steps["full_job"]["seconds"],
        } | ({"dbt_build_over_query": steps["dbt_build"]["seconds"] / steps["query"]["seconds"]}
             if "dbt_build" in steps else {})
          | ({"backfill_over_full_job": steps["backfill"]["seconds"] / steps["full_job"]["seconds"]}
             if "backfill" in steps else {}),
    }
    return report


def render(report: dict) -> str:
    labels = {"query": "hand-written query", "full_job": "full main job", "new_day": "new day (+1 day)",
              "dbt_build": "dbt build alone",
              "backfill": f"backfill of {report['steps'].get('backfill', {}).get('days')} as-of dates"}
    settings = ", ".join(f"{k}={v}" for k, v in report.get("duckdb_settings", {}).items() if v)
    lines = [f"{report['rows']:,} transactions ({report['generated']['customers']:,} customers), "
             f"commit {report['commit']}, {report['date']}, {report['machine']}"
             + (f", {settings}" if settings else ""), "",
             f"| step | rows | seconds | rows per second | peak RSS (MB) |",
             "|---|---:|---:|---:|---:|"]
    for key, step in report["steps"].items():
        lines.append(f"| {labels[key]} | {step['rows']:,} | {step['seconds']:.1f} | "
                     f"{step['rows_per_second']:,.0f} | {step['peak_rss_mb']:,.0f} |")
    ratios = report["ratios"]
    lines += ["",
              f"full job / hand-written query: {ratios['full_job_over_query']:.1f}x (target <= 3)",
              f"new day / full job: {ratios['new_day_over_full_job']:.2f} (target <= 0.1)"]
    if "dbt_build_over_query" in ratios:
        lines.append(f"dbt build / hand-written query: {ratios['dbt_build_over_query']:.1f}x")
    if "backfill_over_full_job" in ratios:
        lines.append(f"backfill / full job: {ratios['backfill_over_full_job']:.1f} full builds (target <= 3)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pipeline", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="transactions to generate (default 1,000,000)")
    parser.add_argument("--generate-only", action="store_true", help="write the daily files and stop")
    parser.add_argument("--no-dbt-build", dest="dbt_build", action="store_false",
                        help="skip the plain dbt build step")
    parser.add_argument("--keep", action="store_true", help="keep the run folder (warehouse, logs)")
    parser.add_argument("--backfill-days", type=int, default=0, metavar="N",
                        help="also backfill the last N as-of dates in one run on the job's warehouse")
    parser.add_argument("--query", metavar="GLOB", help=argparse.SUPPRESS)  # the query's child process
    args = parser.parse_args(argv)
    if args.query:
        run_query(args.query)
        return 0
    if args.generate_only:
        generate(args.rows)
        return 0
    report = benchmark(args.rows, keep=args.keep, dbt_build=args.dbt_build, backfill_days=args.backfill_days)
    table = render(report)
    print("\n" + table)
    results = PROJECT_DIR / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    path = results / f"{args.rows}-{report['commit']}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {path.relative_to(PROJECT_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
