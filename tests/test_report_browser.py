"""The rendered report in a real browser: Debian's headless Chromium opens reports/index.html
and each report with the network cut off; no console errors, no request leaves the machine,
every chart image decodes. Each page is read as a reader would: at 1400 and 800 px no element
is wider than the viewport, the status shows with its reasons, no paragraph is said twice, the
section anchors resolve, and printed to PDF every chart stays whole. Screenshots land in
reports/screenshots/ (git-ignored) for review."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest

from infrakit.report import runner

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "reports" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
CHARTS = {"stacked-cost", "cost-risk", "engine-timeline", "nat-traffic", "sensitivity"}
WIDTHS = (1400, 800)
SLUGS = ("browser-dev", "browser-seed")

pytestmark = pytest.mark.slow

# Elements wider than the viewport, or sticking out of it (closed <details> opened first: a
# reader opens them).
OVERFLOW_JS = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const width = document.documentElement.clientWidth;
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > width + 0.5 || r.left < -0.5)
      bad.push(`${el.tagName.toLowerCase()}.${el.className} [${Math.round(r.left)}, ${Math.round(r.right)}]`);
  }
  return {width, scroll: document.documentElement.scrollWidth, bad: bad.slice(0, 12)};
}"""

# Paragraph-sized texts (a sentence or more) that appear more than once on the page.
REPEATS_JS = """() => {
  const seen = new Map();
  for (const el of document.querySelectorAll('p, li, figcaption, .caption, td, dd')) {
    const text = el.innerText.trim().replace(/\\s+/g, ' ');
    if (text.length < 60) continue;
    seen.set(text, (seen.get(text) || 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([t]) => t);
}"""


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


def open_offline(browser, url: str, shot: str | None = None, width: int = 1200):
    """Load ``url`` with every non-file request aborted; return (page, console errors, requests
    that tried to leave the machine)."""
    page = browser.new_page(viewport={"width": width, "height": 900})
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
    if shot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / shot), full_page=True)
    return page, errors, escaped


def test_batch_succeeded(batch):
    statuses = {r.spec.slug: r.status for r in batch.runs}
    assert statuses["browser-dev"] == "ok", [r.reasons for r in batch.runs]
    # The seed-like file's own configuration (Aurora 15.3) is caught, and the decision changes it.
    assert statuses["browser-seed"] == "attention"
    seed = next(r for r in batch.runs if r.spec.slug == "browser-seed")
    assert any("caught" in reason and "15.3" in reason for reason in seed.reasons)
    for run in batch.runs:  # deployed into this scenario's own local emulator, and the outputs came back
        deploy = run.decision["steps"]["deploy"]
        assert deploy["status"] == "ok", deploy["headline"]
        assert deploy["result"]["target"] == "local"
        assert re.match(r"http://(127\.0\.0\.1|localhost):\d+$", deploy["result"]["endpoint_url"])
        assert set(deploy["result"]["outputs"]) >= {"alb_url", "db_endpoint"}


def test_index_lists_every_run_with_its_status_and_links_to_reports(batch, browser):
    page, errors, escaped = open_offline(browser, batch.index.as_uri(), "index.png")
    assert errors == [] and escaped == []
    rows = page.locator("#runs tbody tr")
    assert rows.count() == 2
    assert rows.first.get_attribute("data-scenario") == "browser-dev"
    assert [rows.nth(i).get_attribute("data-status") for i in range(2)] == [r.status for r in batch.runs]
    seed_row = page.locator('#runs tr[data-scenario="browser-seed"]').inner_text()
    assert "ATTENTION" in seed_row and "caught" in seed_row  # the status and why, on the index
    assert page.locator("#comparison thead th a").all_inner_texts() == ["browser-dev", "browser-seed"]
    assert "15.3 is deprecated" in page.locator("#comparison").inner_text()
    page.locator("#runs a", has_text="browser-seed").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("browser-seed/report.html")
    page.close()


@pytest.mark.parametrize("slug", SLUGS)
def test_report_opens_offline_with_every_chart(batch, browser, slug):
    report = batch.out_dir / slug / "report.html"
    assert report.stat().st_size < 2_000_000
    page, errors, escaped = open_offline(browser, report.as_uri())
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
    for words in ("MONTHLY", "PREFLIGHT", "DEPLOY", "EGRESS LOST PER YEAR", "WHY", "RISK", "DECISION:"):
        assert words in summary.upper()
    # Summary first, appendix last, code hidden; every section of the navigation resolves.
    order = page.evaluate("""() => ['summary', 'trade-offs', 'decision', 'appendix']
        .map(id => document.getElementById(id).getBoundingClientRect().top)""")
    assert order == sorted(order)
    missing = page.evaluate("""() => [...document.querySelectorAll('nav.toc a')]
        .map(a => a.getAttribute('href').slice(1)).filter(id => !document.getElementById(id))""")
    assert missing == []
    assert "parameters_from_namespace" not in page.content()
    page.close()


@pytest.mark.parametrize("slug", SLUGS)
def test_the_status_shows_on_the_page_with_its_reasons(batch, browser, slug):
    run = next(r for r in batch.runs if r.spec.slug == slug)
    page, _, _ = open_offline(browser, (batch.out_dir / slug / "report.html").as_uri())
    assert page.locator("h1 .badge").inner_text() == run.status.upper()
    block = page.locator("#summary [data-status]")
    assert block.get_attribute("data-status") == run.status
    for reason in run.reasons:
        assert reason in block.inner_text()
    page.close()


@pytest.mark.parametrize("slug", SLUGS)
def test_no_paragraph_is_said_twice(batch, browser, slug):
    page, _, _ = open_offline(browser, (batch.out_dir / slug / "report.html").as_uri())
    assert page.evaluate(REPEATS_JS) == []
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("target", ("index", *SLUGS))
def test_no_element_is_wider_than_the_viewport(batch, browser, target, width):
    path = batch.index if target == "index" else batch.out_dir / target / "report.html"
    page, errors, _ = open_offline(browser, path.as_uri(), width=width)
    found = page.evaluate(OVERFLOW_JS)
    assert found["bad"] == [] and found["scroll"] <= found["width"], found
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{target}-{width}.png"), full_page=True)  # <details> opened
    assert errors == []
    page.close()


def pdf_images_per_page(pdf: bytes) -> list[list[tuple[int, int]]]:
    """Per page, the (width, height) of each image it draws. Chromium writes plain objects and
    Flate content streams, enough to follow each page's ``/Name Do`` to its image."""
    objects = {int(n): body for n, body in re.findall(rb"(\d+) 0 obj(.*?)endobj", pdf, re.S)}

    def stream(number: int) -> bytes:
        body = objects[number]
        head, _, data = body.partition(b"stream")
        data = data[2:] if data.startswith(b"\r\n") else data[1:]  # exactly one end-of-line opens the data
        length = re.search(rb"/Length (\d+)\b(?! \d+ R)", head)
        # The data's own last bytes may be CR or LF, so cut by /Length, never by stripping line ends.
        raw = data[:int(length.group(1))] if length else data[:data.rindex(b"endstream")]
        return zlib.decompressobj().decompress(raw) if b"/FlateDecode" in head else raw

    pages = []
    for body in objects.values():
        if not re.search(rb"/Type /Page\b(?!s)", body):
            continue
        names = dict(re.findall(rb"/(\w+) (\d+) 0 R", body[body.find(b"/XObject"):]))
        drawn = re.findall(rb"/(\w+) Do", stream(int(re.search(rb"/Contents (\d+) 0 R", body).group(1))))
        sizes = []
        for name in drawn:
            target = objects.get(int(names.get(name, b"0")), b"")
            size = re.search(rb"/Subtype /Image\s*/Width (\d+)\s*/Height (\d+)", target)
            if size:
                sizes.append((int(size.group(1)), int(size.group(2))))
        pages.append(sizes)
    return pages


@pytest.mark.parametrize("slug", SLUGS)
def test_printed_to_pdf_every_chart_stays_whole(batch, browser, slug):
    page, _, _ = open_offline(browser, (batch.out_dir / slug / "report.html").as_uri())
    sizes = page.evaluate("() => [...document.querySelectorAll('figure.chart img')].map(i => [i.naturalWidth, "
                          "i.naturalHeight])")
    page.emulate_media(media="print")
    avoid = page.evaluate("() => [...document.querySelectorAll('figure.chart')].map(f => getComputedStyle(f)"
                          ".breakInside)")
    assert set(avoid) == {"avoid"}
    pdf = page.pdf(format="A4", print_background=True)
    (SCREENSHOTS / f"{slug}.pdf").write_bytes(pdf)
    drawn = pdf_images_per_page(pdf)
    assert len(drawn) > 1
    everywhere = [size for page_sizes in drawn for size in page_sizes]
    for size in map(tuple, sizes):  # each chart drawn once: on one page, not sliced over two
        assert everywhere.count(size) == sizes.count(list(size)), (size, drawn)
    page.close()
