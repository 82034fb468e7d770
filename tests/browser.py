"""Headless Chromium for the report's browser test, through Selenium and the
chromedriver of Debian's chromium-driver package (its version always matches
the browser's; nothing is downloaded). `make browser` (part of `make test`)
installs both with apt-get where it can; elsewhere the test skips and says
why."""

from __future__ import annotations

import base64
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from orchestration.warehouse import PROJECT_DIR

ARTIFACTS_DIR = Path(os.environ.get("TEST_ARTIFACTS_DIR", PROJECT_DIR / "test-artifacts"))


def missing_browser() -> str | None:
    """Why the browser test cannot run here, or None when it can."""
    missing = [name for name in ("chromium", "chromedriver") if shutil.which(name) is None]
    if missing:
        return (f"{' and '.join(missing)} not found: `make browser` installs Debian's chromium and chromium-driver "
                "with apt-get (as root); it could not here")
    return None


@contextmanager
def chromium(width: int = 1300, height: int = 1000):
    """A headless Chromium driven by Selenium, recording the console."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def full_page_screenshot(driver, path: Path) -> Path:
    """The whole page (not only the window) as a PNG."""
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
