"""What a headless run prints by default: one line per step, and a sign of life.

A Dagster run logs every engine event at DEBUG and dagster-dbt echoes every
line of dbt's output, about 1,500 lines for the demo. By default the CLI
silences both (the console logger at CRITICAL, stdout and stderr of the run
swallowed by `quiet_streams`) and prints instead, from the run's events
(`RunProgress` is an event listener on the Dagster instance):

    raw_transactions_file                 0.1 s  1 file
    retention_dbt_daily                  24.7 s  12 dbt models and seeds, 130 tests passed
    call_sheet_export                     0.3 s  76 rows, 59 new

and, for a step that runs longer than PROGRESS_EVERY_SECONDS, a line every
PROGRESS_EVERY_SECONDS ("  ... retention_dbt_daily running (20 s, 61 of 142
dbt nodes done)"): plain lines, so a log file or CI shows them as they come.
`--verbose` keeps Dagster's and dbt's own output instead.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from typing import TextIO

PROGRESS_EVERY_SECONDS = 10.0
# the run config that silences Dagster's console logger (a step failure logs at ERROR)
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


class _Discard(io.TextIOBase):
    """A text stream that drops what is written. It has no file descriptor on
    purpose: Dagster captures a step's stdout and stderr by redirecting the
    descriptor of sys.stdout / sys.stderr into its compute-log file and tailing
    that file back to the terminal; without a descriptor it captures nothing."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


@contextmanager
def quiet_streams() -> Iterator[None]:
    """Swallow what the run writes to sys.stdout and sys.stderr (dbt's echoed
    log lines, Dagster's warnings, Great Expectations' progress bars)."""
    sink = _Discard()
    with redirect_stdout(sink), redirect_stderr(sink):
        yield


@dataclass
class _Step:
    label: str
    total: int = 0  # the models, seeds and tests a dbt step builds
    started: float | None = None
    materialized: int = 0  # assets, each counted once (a backfill materializes each once per day)
    dbt_nodes: int = 0
    materialized_keys: set = field(default_factory=set)
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    reported_at: float = 0.0
    waiting_reported: bool = False


def step_catalog(assets: Iterable, checks: Iterable) -> dict[str, tuple[str, int]]:
    """Step key -> (label, dbt nodes), from the definitions of the run: an
    asset (or multi-asset) step is its op's name, a check step is "check
    <name>"; a dbt step builds that many models, seeds and tests (assets and
    asset checks), 0 for other steps."""
    catalog = {}
    for definition in assets:
        is_dbt = any("dbt" in (spec.kinds or ()) for spec in definition.specs)
        nodes = len(definition.keys) + len(definition.check_keys) if is_dbt else 0
        catalog[definition.node_def.name] = (definition.node_def.name, nodes)
    for definition in checks:
        names = sorted(key.name for key in definition.check_keys)
        catalog[definition.node_def.name] = (f"check {', '.join(names)}", 0)
    return catalog


def _value(metadata: dict, key: str):
    value = metadata.get(key)
    return getattr(value, "value", value)


def _describe(step: _Step) -> str:
    """What a finished step produced, in a few words (rows where it helps)."""
    if step.label.startswith("check ") and not step.materialized:
        if step.checks_failed:
            return ", ".join(step.checks_failed)
        return "passed"
    parts = []
    metadata = step.metadata
    if step.dbt_nodes:
        parts.append(f"{step.dbt_nodes:,} dbt models and seeds")
    if _value(metadata, "files") is not None:
        files = _value(metadata, "files")
        parts.append(f"{files:,} file{'s' if files != 1 else ''}")
    if _value(metadata, "row_count") is not None:
        rows = f"{_value(metadata, 'row_count'):,} rows"
        if _value(metadata, "new_alerts") is not None:
            rows += f", {_value(metadata, 'new_alerts'):,} new"
        parts.append(rows)
    if _value(metadata, "fit_status") == "failed":
        parts.append("fit FAILED, the CLV tables keep the last good fit")
    if _value(metadata, "customers") is not None:
        parts.append(f"{_value(metadata, 'customers'):,} customers")
    if _value(metadata, "published") is not None:
        day = _value(metadata, "as_of_date")
        parts.append(f"published {day}" if _value(metadata, "published")
                     else f"left as it is (it shows a day newer than {day})")
    checks = step.checks_passed + len(step.checks_failed)
    if checks:
        # a dbt step's checks are its dbt data tests
        noun = "tests" if step.dbt_nodes else "checks" if checks > 1 else "check"
        failed = [state for state in step.checks_failed if state != "warning"]
        warned = len(step.checks_failed) - len(failed)
        text = f"{checks:,} {noun} passed" if not step.checks_failed else f"{checks:,} {noun}"
        text += f", {len(failed)} FAILED" if failed else ""
        text += f", {warned} warning{'s' if warned > 1 else ''}" if warned else ""
        parts.append(text)
    return ", ".join(parts)


class RunProgress:
    """Prints one line per finished step of a run, and a progress line every
    `every` seconds while a step runs. Register it with
    `instance.add_event_listener(run_id, progress)` and run inside `with progress:`."""

    def __init__(self, out: TextIO, catalog: dict[str, tuple[str, int]],
                 every: float = PROGRESS_EVERY_SECONDS, clock=time.monotonic):
        self.out = out
        self.catalog = catalog
        self.every = every
        self.clock = clock
        self.width = min(max((len(label) for label, _ in catalog.values()), default=20), 48)
        self.steps: dict[str, _Step] = {}
        self.running: str | None = None
        self.not_run: list[str] = []
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- output ---------------------------------------------------------------
    def _print(self, text: str) -> None:
        with self._lock:
            self.out.write(text + "\n")
            self.out.flush()

    def _line(self, step: _Step, state: str) -> None:
        self._print(f"  {step.label:<{self.width}} {state}")

    def _step(self, key: str) -> _Step:
        if key not in self.steps:
            label, total = self.catalog.get(key, (key, 0))
            self.steps[key] = _Step(label=label, total=total)
        return self.steps[key]

    # --- the event listener -----------------------------------------------------
    def __call__(self, entry) -> None:
        try:
            self.handle(entry)
        except Exception as error:  # a display problem must never fail the run
            self._print(f"  (progress display: {type(error).__name__}: {error})")

    def handle(self, entry) -> None:
        key = entry.step_key
        event = entry.dagster_event
        if key is None:
            return
        with self._lock:
            if event is None:
                # Dagster logs (not as an event) that it leaves out the steps downstream of a failure
                # (listed together when the run ends)
                if "Not executing." in (entry.user_message or ""):
                    self.not_run.append(self._step(key).label)
                return
            kind = event.event_type_value
            step = self._step(key)
            if kind == "ENGINE_EVENT" and (event.message or "").startswith("Step blocked by limit for pool"):
                if not step.waiting_reported:
                    step.waiting_reported = True
                    pool = (event.message or "").rsplit(" ", 1)[-1]
                    self._print(f"  ... {step.label} waits for another run's step in pool {pool}")
            elif kind == "STEP_START":
                step.started = step.reported_at = self.clock()
                self.running = key
            elif kind == "ASSET_MATERIALIZATION":
                materialization = event.event_specific_data.materialization
                first = materialization.asset_key not in step.materialized_keys
                step.materialized_keys.add(materialization.asset_key)
                step.materialized += first
                metadata = dict(materialization.metadata or {})
                if "unique_id" in metadata:  # a dbt model or seed
                    step.dbt_nodes += first
                else:
                    step.metadata.update(metadata)
            elif kind == "ASSET_CHECK_EVALUATION":
                evaluation = event.event_specific_data
                if evaluation.passed:
                    step.checks_passed += 1
                else:
                    # a check of severity WARN flags what the run handled (e.g. duplicates quarantined)
                    step.checks_failed.append("warning" if evaluation.severity.value == "WARN"
                                              else f"FAILED ({evaluation.severity.value})")
            elif kind == "STEP_SUCCESS":
                seconds = event.event_specific_data.duration_ms / 1000
                self._line(step, f"{seconds:5.1f} s  {_describe(step)}".rstrip())
                self.running = None
            elif kind == "STEP_FAILURE":
                seconds = self.clock() - step.started if step.started is not None else 0.0
                self._line(step, f"{seconds:5.1f} s  FAILED")
                self.running = None
            elif kind == "STEP_SKIPPED":
                self._line(step, "skipped: nothing upstream was materialized")

    # --- the progress lines -------------------------------------------------------
    def tick(self) -> None:
        """Print a progress line when the running step has gone `every` seconds without one."""
        with self._lock:
            if self.running is None:
                return
            step = self.steps[self.running]
            now = self.clock()
            if step.started is None or now - step.reported_at < self.every:
                return
            step.reported_at = now
            done = step.materialized + step.checks_passed + len(step.checks_failed)
            count = f", {done} of {step.total} dbt nodes done" if step.total else ""
            self._print(f"  ... {step.label} running ({now - step.started:.0f} s{count})")

    def _beat(self) -> None:
        while not self._stop.wait(min(1.0, self.every)):
            self.tick()

    def __enter__(self) -> "RunProgress":
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="run-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.not_run:
            count = len(self.not_run)
            self._print(f"  {count} later step{'s' if count != 1 else ''} not run, as a step they depend on failed")

