"""The rendered report in a real browser: Debian's headless Chromium opens reports/index.html
and a report with the network cut off; no console errors, no request leaves the machine, every
chart image decodes. Screenshots land in reports/screenshots/ (git-ignored) for review."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infrakit.report import runner

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "reports" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
CHARTS = {"stacked-cost", "cost-risk", "engine-timeline", "nat-traffic"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    files = []
    for name, extra in (("browser-dev", ""), ("browser-seed", 'engine_version: "15.3"\nnat_strategy: per_az\naz_count: 3\n')):
        path = folder / f"{name}.yaml"
        path.write_text(f"name: {name}\nhorizon_months: 24\n{extra}")
        files.append(path)
    return runner.run_batch(files, out_dir=folder / "reports", jobs=2)


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM.exists(), "Debian's chromium is missing: 'make test' installs it (apt-get install -y chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def open_offline(browser, url: str, shot: str):
    """Load ``url`` with every non-file request aborted; return (page, console errors, requests
    that tried to leave the machine)."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors, escaped = [], []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def route(request_route):
        request = request_route.request
        if request.url.startswith(("file://", "data:")):
            request_route.continue_()
        else:
            escaped.append(request.url)
            request_route.abort()

    page.route("**/*", route)
    page.goto(url)
    page.wait_for_load_state("load")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / shot), full_page=True)
    return page, errors, escaped


def test_batch_succeeded(batch):
    assert [r.status for r in batch.runs] == ["ok", "ok"], [r.failure for r in batch.runs]
    for run in batch.runs:  # deployed into this scenario's own local emulator, and the outputs came back
        deploy = run.decision["steps"]["deploy"]
        assert deploy["status"] == "ok", deploy["headline"]
        assert deploy["result"]["target"] == "local"
        assert re.match(r"http://(127\.0\.0\.1|localhost):\d+$", deploy["result"]["endpoint_url"])
        assert set(deploy["result"]["outputs"]) >= {"alb_url", "db_endpoint"}


def test_index_lists_every_run_and_links_to_reports(batch, browser):
    page, errors, escaped = open_offline(browser, batch.index.as_uri(), "index.png")
    assert errors == [] and escaped == []
    rows = page.locator("#runs tbody tr")
    assert rows.count() == 2
    assert page.locator("#runs tbody tr").first.get_attribute("data-scenario") == "browser-dev"
    assert page.locator("#comparison thead th a").all_inner_texts() == ["browser-dev", "browser-seed"]
    # The seed-like run's configuration as given is caught by the kit's rules.
    assert "15.3 is deprecated" in page.locator("#comparison").inner_text()
    page.locator("#runs a", has_text="browser-seed").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("browser-seed/report.html")
    page.close()


@pytest.mark.parametrize("slug", ["browser-dev", "browser-seed"])
def test_report_opens_offline_with_every_chart(batch, browser, slug):
    report = batch.out_dir / slug / "report.html"
    assert report.stat().st_size < 2_000_000
    page, errors, escaped = open_offline(browser, report.as_uri(), f"{slug}.png")
    assert errors == [] and escaped == []
    assert page.locator("script").count() == 0
    figures = page.locator("figure.chart")
    assert {figures.nth(i).get_attribute("data-chart") for i in range(figures.count())} == CHARTS
    images = page.locator("figure.chart img")
    for i in range(images.count()):
        image = images.nth(i)
        assert image.evaluate("img => img.complete && img.naturalWidth > 300 && img.naturalHeight > 200"), \
            image.get_attribute("alt")
        assert len(image.get_attribute("alt")) > 40
    summary = page.locator("#summary").inner_text()
    for words in ("MONTHLY", "PREFLIGHT", "DEPLOY", "EGRESS LOST PER YEAR"):
        assert words in summary.upper()
    # Summary first, appendix last, code hidden.
    order = page.evaluate("""() => ['summary', 'trade-offs', 'decision', 'appendix']
        .map(id => document.getElementById(id).getBoundingClientRect().top)""")
    assert order == sorted(order)
    assert "parameters_from_namespace" not in page.content()
    page.close()
