"""Validate warehouse tables against their suites and print the outcome.

    python -m orchestration.quality [suite ...]

Uses the warehouse of RETENTION_TARGET and DUCKDB_PATH / SPARK_WAREHOUSE_DIR
(as the Dagster checks do); appends the
results to quality.validation_results.
Exits 1 when a critical expectation failed.
"""

import sys

from orchestration.quality.runner import load_suites, suite_parameters, validate
from orchestration.engine import open_warehouse


def main(argv: list[str]) -> int:
    suites = load_suites()
    unknown = [name for name in argv if name not in suites]
    if unknown:
        print(f"unknown suite(s) {', '.join(unknown)}; suites: {', '.join(suites)}", file=sys.stderr)
        return 2
    critical = False
    with open_warehouse() as warehouse:
        for name in argv or list(suites):
            outcome = validate(suites[name], warehouse, suite_parameters(suites[name], warehouse))
            print(outcome.summary())
            critical |= bool(outcome.critical_failures)
    return 1 if critical else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
