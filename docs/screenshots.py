"""Regenerate the screenshots of docs/ (report.md, dagster.md) (needs Chromium: `make browser`).

    .venv/bin/python docs/screenshots.py report exports/2026-06-30/report.html
    .venv/bin/python docs/screenshots.py asset-graph http://127.0.0.1:3000   # with `make dev` running

The report's is taken from a warehouse with history (a backfill), so that
every chart has something to draw.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import chromium  # noqa: E402

IMAGES = Path(__file__).resolve().parent / "images"


def report(path: str) -> None:
    with chromium(1280, 1500) as driver:
        driver.get(Path(path).resolve().as_uri())
        driver.save_screenshot(str(IMAGES / "report.png"))
        # a drill-down: the customers behind the lost bar of the funnel
        driver.find_element("css selector", "#lifecycle rect[data-filter*='\"lost\"']").click()
        time.sleep(0.5)
        driver.save_screenshot(str(IMAGES / "report_drill_down.png"))


def asset_graph(url: str) -> None:
    with chromium(1600, 1000) as driver:
        driver.get(url.rstrip("/") + "/asset-groups")
        time.sleep(8)  # the graph lays itself out
        for button in driver.find_elements("xpath", "//button[normalize-space()='Skip']"):
            button.click()  # the community sign-up dialog of a new instance
        time.sleep(1)
        driver.save_screenshot(str(IMAGES / "asset_graph.png"))


if __name__ == "__main__":
    {"report": report, "asset-graph": asset_graph}[sys.argv[1]](sys.argv[2])
