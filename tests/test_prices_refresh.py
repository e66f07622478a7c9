"""`infrakit prices refresh` against a local HTTP server on 127.0.0.1 that serves offer files in
the public Bulk API layout, then `infrakit cost` from the refreshed rows; failures, partial
refreshes, bad input, files a user downloaded, and the precedence over the shipped catalog."""

from __future__ import annotations

import json
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cost_model.catalog import load_price_catalog, snapshot_files
from infrakit.cli import main
from infrakit.core.paths import catalog_dir
from tests.test_prices_offers import VERSIONS, full_region


class PriceListServer:
    """The Bulk API layout for some regions: service index, region indexes, versioned offer files."""

    def __init__(self, regions: dict):
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
        self.faults: dict[str, str] = {}  # path -> "cut" | "reset" | "stall": the body breaks off half-way
        self.release = threading.Event()
        offers = {}
        for code, version in VERSIONS.items():
            offers[code] = {"offerCode": code, "versionIndexUrl": f"/offers/v1.0/aws/{code}/index.json",
                            "currentVersionUrl": f"/offers/v1.0/aws/{code}/current/index.json",
                            "currentRegionIndexUrl": f"/offers/v1.0/aws/{code}/current/region_index.json"}
            index = {}
            for region, o in regions.items():
                path = f"/offers/v1.0/aws/{code}/{version}/{region}/index.json"
                index[region] = {"regionCode": region, "currentVersionUrl": path}
                self.files[path] = o.offer_bytes(code)
            self.files[offers[code]["currentRegionIndexUrl"]] = json.dumps(
                {"formatVersion": "v1.0", "publicationDate": "2026-11-20T00:00:00Z", "regions": index}).encode()
        self.files["/offers/v1.0/aws/index.json"] = json.dumps(
            {"formatVersion": "v1.0", "publicationDate": "2026-11-20T18:21:50Z", "offers": offers}).encode()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                server.requests.append(self.path)
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                fault = server.faults.get(self.path)
                if fault is None:
                    self.wfile.write(body)
                    return
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                if fault == "stall":
                    server.release.wait(30)
                elif fault == "reset":  # RST instead of FIN: the client reads ECONNRESET
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def hyderabad():
    return full_region("ap-south-2", scale=1.25)  # a region the package ships no prices for


def test_refresh_then_cost_in_an_unshipped_region_prices_every_line_from_the_refreshed_rows(capsys, hyderabad,
                                                                                           tmp_path):
    scenario = tmp_path / "hyderabad.yaml"
    scenario.write_text("name: hyd\nregion: ap-south-2\nstart_date: '2026-12-01'\nnat_strategy: regional\n"
                        "storage_type: io_optimized\nengine_version: '13.23'\n", encoding="utf-8")
    code, out, err = run(capsys, "cost", str(scenario), "--json")
    assert code == 1 and "no prices for region ap-south-2" in err and "infrakit prices refresh --region ap-south-2" in err
    with PriceListServer({"ap-south-2": hyderabad}) as server:
        code, out, err = run(capsys, "prices", "refresh", "--region", "ap-south-2", "--price-list-url",
                             server.url, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"] and report["regions"][0]["status"] == "complete"
    assert "/offers/v1.0/aws/AmazonEC2/current/region_index.json" in server.requests
    code, out, err = run(capsys, "cost", str(scenario), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["lines"] and data["monthly_usd"] > 0
    for line in data["lines"]:
        offer = line["price_source"].split(" offer version ")[0].removeprefix("AWS Price List ")
        assert offer in VERSIONS and f"offer version {VERSIONS[offer]}" in line["price_source"], line
        assert line["price_basis"] == "captured"
    lines = {line["key"]: line for line in data["lines"]}
    assert lines["regional_nat_gateway_hours"]["unit_price_usd"] == pytest.approx(0.046 * 1.25)
    assert lines["aurora_instance_hours"]["usage_type"] == "InstanceUsageIOOptimized:db.r6g.large"
    assert lines["extended_support_years_1_2"]["unit_price_usd"] == pytest.approx(0.10 * 1.25)


def test_an_unreachable_price_list_fails_names_the_url_and_writes_nothing(capsys):
    before = load_price_catalog()
    code, out, err = run(capsys, "prices", "refresh", "--region", "us-east-1", "--price-list-url",
                         "http://127.0.0.1:9")
    assert code == 1
    assert "http://127.0.0.1:9/offers/v1.0/aws/index.json: unreachable" in out
    assert "nothing written, the catalog in use is unchanged" in out
    assert snapshot_files() == [] and load_price_catalog().frame.equals(before.frame)


def test_a_bad_offer_file_fails_that_region_and_writes_nothing(capsys, hyderabad):
    with PriceListServer({"ap-south-2": hyderabad}) as server:
        path = f"/offers/v1.0/aws/AmazonRDS/{VERSIONS['AmazonRDS']}/ap-south-2/index.json"
        server.files[path] = server.files[path][: len(server.files[path]) // 2]  # cut short
        code, out, _ = run(capsys, "prices", "refresh", "--region", "ap-south-2", "--price-list-url", server.url)
    assert code == 1 and "FAILED" in out and "AmazonRDS" in out and "not valid JSON" in out
    assert snapshot_files() == []


def test_a_partial_refresh_names_the_missing_items_and_never_prices_them_at_zero(capsys, hyderabad):
    hyderabad.products["AWSELB"] = [p for p in hyderabad.products["AWSELB"]
                                    if not p[1]["attributes"]["usagetype"].endswith("-LCUUsage")]
    with PriceListServer({"ap-south-2": hyderabad}) as server:
        code, out, err = run(capsys, "prices", "refresh", "--region", "ap-south-2", "--price-list-url", server.url)
    assert code == 1 and "ap-south-2: partial" in out and "LCUUsage: no product matches" in out
    assert "ap-south-2 partial" in err
    (snapshot,) = snapshot_files()
    assert json.loads(snapshot.read_text())["missing"].keys() == {"LCUUsage"}
    from cost_model import cost_scenario
    from infrakit.core.schema import validate_scenario

    result = cost_scenario(validate_scenario({"region": "ap-south-2", "start_date": "2026-12-01"}))
    (lcu,) = [line for line in result.lines() if line["key"] == "alb_lcu_hours"]
    assert lcu["monthly_usd"] is None and result.monthly_usd is None
    assert any("the last refresh did not find LCUUsage" in p for p in result.problems)


def test_bad_input_is_exit_2_with_every_problem_at_once(capsys):
    code, _, err = run(capsys, "prices", "refresh", "--region", "mars-north-1", "--region", "us-east-1",
                       "--price-list-url", "ftp:/nowhere", "--from-file", "/no/such/index.json")
    assert code == 2
    assert "4 problems" in err
    for fragment in ("mars-north-1", "ftp:/nowhere", "/no/such/index.json", "not both"):
        assert fragment in err, err
    assert "Traceback" not in err and snapshot_files() == []


def test_from_file_json_and_csv_refresh_only_the_offers_given(capsys, tmp_path, hyderabad):
    (tmp_path / "ec2.json").write_bytes(hyderabad.offer_bytes("AmazonEC2"))
    (tmp_path / "elb.csv").write_bytes(hyderabad.offer_csv("AWSELB"))
    code, out, err = run(capsys, "prices", "refresh", "--from-file", str(tmp_path / "ec2.json"),
                         "--from-file", str(tmp_path / "elb.csv"), "--json")
    assert code == 0, err
    (region,) = json.loads(out)["regions"]
    assert region["region"] == "ap-south-2" and region["status"] == "complete" and region["rows"] == 6
    assert set(region["not_requested"]) == set(VERSIONS) - {"AmazonEC2", "AWSELB"}
    catalog = load_price_catalog()
    rows = catalog.frame[catalog.frame["region"] == "ap-south-2"]
    assert set(rows["usage_type"]) == {"NatGateway-Hours", "NatGateway-Bytes", "RegionalNatGateway-Hours",
                                       "RegionalNatGateway-Bytes", "LoadBalancerUsage", "LCUUsage"}


def test_a_refreshed_region_overrides_the_shipped_rows_it_has_and_keeps_the_others(capsys, tmp_path):
    east = full_region("us-east-1", scale=2.0)
    (tmp_path / "ec2.json").write_bytes(east.offer_bytes("AmazonEC2"))
    shipped = load_price_catalog()
    code, _, err = run(capsys, "prices", "refresh", "--region", "us-east-1", "--from-file", str(tmp_path / "ec2.json"))
    assert code == 0, err
    catalog = load_price_catalog()
    frame = catalog.frame.set_index(["region", "usage_type"])
    assert frame.loc[("us-east-1", "NatGateway-Hours"), "usd_per_unit"] == pytest.approx(0.09)
    assert "offer version 20261120181331" in frame.loc[("us-east-1", "NatGateway-Hours"), "source"]
    old = shipped.frame.set_index(["region", "usage_type"])
    assert frame.loc[("us-east-1", "LoadBalancerUsage"), "source"] == old.loc[("us-east-1", "LoadBalancerUsage"), "source"]
    assert "refreshed" in catalog.path and len(catalog.frame) == len(shipped.frame)
    code, out, _ = run(capsys, "prices", "show", "--region", "us-east-1")
    assert code == 0 and "AmazonEC2 20261120181331" in out


def test_a_file_for_another_region_is_refused(capsys, tmp_path, hyderabad):
    (tmp_path / "ec2.json").write_bytes(hyderabad.offer_bytes("AmazonEC2"))
    code, out, _ = run(capsys, "prices", "refresh", "--region", "us-east-1", "--from-file", str(tmp_path / "ec2.json"))
    assert code == 1 and "holds prices for ap-south-2, not us-east-1" in out
    assert snapshot_files() == []


@pytest.mark.parametrize("fault, cause", [("cut", "the connection closed before the end of the body"), ("reset", "ConnectionResetError"),
                                          ("stall", "timed out")])
def test_a_download_that_breaks_off_fails_the_region_clearly_and_writes_nothing(capsys, hyderabad, monkeypatch,
                                                                                fault, cause):
    from infrakit.prices import fetch

    monkeypatch.setattr(fetch, "TIMEOUT_S", 0.5)
    with PriceListServer({"ap-south-2": hyderabad}) as server:
        path = f"/offers/v1.0/aws/AmazonRDS/{VERSIONS['AmazonRDS']}/ap-south-2/index.json"
        server.faults[path] = fault
        code, out, err = run(capsys, "prices", "refresh", "--region", "ap-south-2", "--price-list-url", server.url)
    assert code == 1, err
    assert "Traceback" not in out + err
    assert f"{server.url}{path}: the download broke off ({cause}" in out, out
    assert "FAILED" in out and "nothing written, the catalog in use is unchanged" in out
    assert snapshot_files() == [] and not list(catalog_dir().rglob("*.json"))


def test_tables_and_json_name_the_files_and_dates_of_the_rows_actually_used(capsys, tmp_path):
    east = full_region("us-east-1", scale=2.0)
    offer = tmp_path / "AmazonEC2-us-east-1.json"
    offer.write_bytes(east.offer_bytes("AmazonEC2"))
    code, _, err = run(capsys, "prices", "refresh", "--region", "us-east-1", "--from-file", str(offer))
    assert code == 0, err
    (snapshot,) = snapshot_files()
    scenario = tmp_path / "east.yaml"
    scenario.write_text("name: east\nregion: us-east-1\nnat_strategy: single\nstart_date: '2026-12-01'\n",
                        encoding="utf-8")
    code, out, _ = run(capsys, "cost", str(scenario))
    assert f"Prices: {snapshot}, cost_model/data/prices.csv rows (usage type, source, effective date):" in out, out
    code, out, _ = run(capsys, "cost", str(scenario), "--json")
    data = json.loads(out)
    nat = [line for line in data["lines"] if line["key"] == "nat_gateway_hours"][0]
    assert f"from {offer.resolve()}" in nat["price_source"], nat["price_source"]
    assert data["price_catalog"]["files"] == [str(snapshot), "cost_model/data/prices.csv"]
    used = sorted({line["price_effective_date"] for line in data["lines"] if line["price_effective_date"]})
    first, last = data["price_catalog"]["effective_dates"]
    assert first <= used[0] and used[-1] <= last


def test_effective_dates_span_the_rows_used_not_the_whole_catalog():
    from cost_model import cost_scenario
    from infrakit.core.schema import validate_scenario

    result = cost_scenario(validate_scenario({"region": "eu-west-1", "engine_version": "17.7", "horizon_months": 12,
                                              "start_date": "2026-12-01"}))
    used = sorted({line["price_effective_date"] for line in result.lines() if line["price_effective_date"]})
    assert result.to_json()["price_catalog"]["effective_dates"] == [used[0], used[-1]]
    assert [used[0], used[-1]] != list(load_price_catalog().date_range)  # other regions' rows are older / newer
