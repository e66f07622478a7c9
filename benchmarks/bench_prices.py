"""Benchmark: `infrakit prices refresh` on a large synthetic offer file (the shape of a real
AmazonEC2 region file: ~100,000 products with EC2's attributes, on-demand and reserved terms,
pretty-printed "key" : "value"), read from disk (--from-file) and streamed from a local HTTP
server on 127.0.0.1 in the Bulk API layout. Reports the file size, the refresh's wall time and
its peak memory (max RSS of the refresh process, which runs alone in a child process).

Run on purpose (`python benchmarks/bench_prices.py`), not in the test suite. The real
eu-west-1 AmazonEC2 file is 441,439,512 bytes with about 108,000 products
(price_list_format.md 3.8); the default here writes about as much.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGION = "eu-west-1"
VERSION = "20260925174521"
FAMILIES = ["m5", "m6i", "m7i", "c5", "c6i", "c7g", "r5", "r6i", "r7g", "t3", "t4g", "x2idn", "i4i"]
SIZES = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "metal"]
SYSTEMS = ["Linux", "Windows", "RHEL", "SUSE", "Red Hat Enterprise Linux with HA", "Ubuntu Pro"]
REAL = [("NatGateway-Hours", "Hrs", "0.0480000000", "NatGateway"), ("NatGateway-Bytes", "GB", "0.0480000000",
        "NatGateway"), ("RegionalNatGateway-Hours", "Hrs", "0.0480000000", "RegionalNatGateway"),
        ("RegionalNatGateway-Bytes", "GB", "0.0480000000", "RegionalNatGateway")]


def _product(i: int, rng: random.Random) -> tuple[str, dict, str, str]:
    sku = f"{i:08d}SYNTH{rng.randrange(10**3):03d}"[:16]
    family, size, system = rng.choice(FAMILIES), rng.choice(SIZES), rng.choice(SYSTEMS)
    attrs = {
        "servicecode": "AmazonEC2", "location": "EU (Ireland)", "locationType": "AWS Region",
        "instanceType": f"{family}.{size}", "currentGeneration": "Yes", "instanceFamily": "General purpose",
        "vcpu": str(rng.choice([2, 4, 8, 16, 32, 48, 64, 96])), "physicalProcessor": "Intel Xeon Platinum 8375C",
        "clockSpeed": "3.5 GHz", "memory": f"{rng.choice([4, 8, 16, 32, 64, 128, 256])} GiB",
        "storage": "EBS only", "networkPerformance": "Up to 12500 Megabit", "processorArchitecture": "64-bit",
        "tenancy": rng.choice(["Shared", "Dedicated", "Host"]), "operatingSystem": system,
        "licenseModel": "No License required", "usagetype": f"EU-BoxUsage:{family}.{size}",
        "operation": f"RunInstances:{rng.randrange(10000):04d}", "availabilityzone": "NA",
        "capacitystatus": rng.choice(["Used", "UnusedCapacityReservation", "AllocatedCapacityReservation"]),
        "classicnetworkingsupport": "false", "dedicatedEbsThroughput": "Up to 10000 Mbps", "ecu": "NA",
        "enhancedNetworkingSupported": "Yes", "gpuMemory": "NA", "intelAvxAvailable": "Yes",
        "intelAvx2Available": "Yes", "intelTurboAvailable": "Yes", "marketoption": "OnDemand",
        "normalizationSizeFactor": "4", "preInstalledSw": "NA", "processorFeatures": "Intel AVX; Intel AVX2",
        "regionCode": REGION, "servicename": "Amazon Elastic Compute Cloud", "vpcnetworkingsupport": "true",
    }
    price = f"{rng.uniform(0.005, 30):.10f}"
    return sku, {"sku": sku, "productFamily": "Compute Instance", "attributes": attrs}, price, "Hrs"


def _terms(sku: str, price: str, unit: str, rng: random.Random, reserved: bool) -> tuple[dict, dict]:
    dim = {"rateCode": f"{sku}.JRTCKXETXF.6YS6EN2CT7", "description": f"${price} per On Demand hour",
           "beginRange": "0", "endRange": "Inf", "unit": unit, "pricePerUnit": {"USD": price}, "appliesTo": []}
    on_demand = {f"{sku}.JRTCKXETXF": {"offerTermCode": "JRTCKXETXF", "sku": sku,
                                       "effectiveDate": "2026-09-01T00:00:00Z",
                                       "priceDimensions": {dim["rateCode"]: dim}, "termAttributes": {}}}
    res = {}
    if reserved:
        for code, years, option in (("4NA7Y494T4", "1yr", "No Upfront"), ("HU7G6KETJZ", "1yr", "Partial Upfront"),
                                    ("6QCMYABX3D", "1yr", "All Upfront"), ("BPH4J8HBKS", "3yr", "No Upfront"),
                                    ("38NPMPTW36", "3yr", "Partial Upfront"), ("NQ3QZPMQV9", "3yr", "All Upfront")):
            dims = {f"{sku}.{code}.6YS6EN2CT7": {"rateCode": f"{sku}.{code}.6YS6EN2CT7", "description": "USD per hour",
                                                  "beginRange": "0", "endRange": "Inf", "unit": "Hrs",
                                                  "pricePerUnit": {"USD": f"{rng.uniform(0, 10):.10f}"}, "appliesTo": []},
                    f"{sku}.{code}.2TG2D8R56U": {"rateCode": f"{sku}.{code}.2TG2D8R56U", "description": "Upfront Fee",
                                                  "unit": "Quantity", "pricePerUnit": {"USD": f"{rng.uniform(0, 9e4):.0f}"},
                                                  "appliesTo": []}}
            res[f"{sku}.{code}"] = {"offerTermCode": code, "sku": sku, "effectiveDate": "2026-09-01T00:00:00Z",
                                    "priceDimensions": dims, "termAttributes": {
                                        "LeaseContractLength": years, "OfferingClass": "standard",
                                        "PurchaseOption": option}}
    return on_demand, res


def _dump(value) -> str:
    return json.dumps(value, indent=2, separators=(",", " : "))


def write_offer(path: Path, products: int, seed: int = 7) -> int:
    """Write the synthetic offer file (streamed: two passes of the generator, never held whole)."""
    real_at = {products * (k + 1) // 5: k for k in range(len(REAL))}

    def items():
        rng = random.Random(seed)
        for i in range(products):
            if i in real_at:
                usage, unit, price, op = REAL[real_at[i]]
                sku = f"REAL{i:012d}"[:16]
                yield sku, {"sku": sku, "productFamily": "NAT Gateway", "attributes": {
                    "servicecode": "AmazonEC2", "location": "EU (Ireland)", "regionCode": REGION,
                    "usagetype": f"EU-{usage}", "operation": op, "group": "NGW:NatGateway"}}, price, unit, rng
            else:
                sku, product, price, unit = _product(i, rng)
                yield sku, product, price, unit, rng

    with open(path, "w", encoding="utf-8") as out:
        out.write('{\n  "formatVersion" : "v1.0",\n  "disclaimer" : "synthetic benchmark file",\n  "offerCode" : '
                  f'"AmazonEC2",\n  "version" : "{VERSION}",\n  "publicationDate" : "2026-09-25T17:45:21Z",\n'
                  '  "products" : {\n')
        for n, (sku, product, *_rest) in enumerate(items()):
            out.write(("" if n == 0 else ",\n") + f'    "{sku}" : ' + _dump(product).replace("\n", "\n    "))
        out.write('\n  },\n  "terms" : {\n    "OnDemand" : {\n')
        for n, (sku, _, price, unit, rng) in enumerate(items()):
            on_demand, _ = _terms(sku, price, unit, rng, reserved=False)
            out.write(("" if n == 0 else ",\n") + f'      "{sku}" : ' + _dump(on_demand).replace("\n", "\n      "))
        out.write('\n    },\n    "Reserved" : {\n')
        for k, (sku, _, price, unit, _rng) in enumerate(items()):
            if k % 3:
                continue
            _, res = _terms(sku, price, unit, random.Random(k), reserved=True)
            out.write(("" if k == 0 else ",\n") + f'      "{sku}" : ' + _dump(res).replace("\n", "\n      "))
        out.write("\n    }\n  }\n}\n")
    return path.stat().st_size


def _child(args: list[str], catalog: Path) -> tuple[float, int, str]:
    env = {**os.environ, "INFRAKIT_CATALOG_DIR": str(catalog)}
    code = ("import resource, sys, time\nfrom infrakit.cli import main\nstart = time.perf_counter()\n"
            f"rc = main({args!r})\nelapsed = time.perf_counter() - start\n"
            # VmHWM: this process's own peak (ru_maxrss would carry the forking parent's over exec)
            "peak = int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM:')).split()[1])\n"
            "print(f'BENCH {rc} {elapsed:.3f} {peak}', file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    line = [x for x in done.stderr.splitlines() if x.startswith("BENCH ")]
    if not line:
        raise SystemExit(f"refresh failed:\n{done.stdout}\n{done.stderr}")
    _, rc, elapsed, peak = line[-1].split()
    return float(elapsed), int(peak), f"exit {rc}: {done.stdout.strip().splitlines()[0]}"


def _serve(path: Path):
    region_index = json.dumps({"regions": {REGION: {"regionCode": REGION, "currentVersionUrl":
                                                     f"/offers/v1.0/aws/AmazonEC2/{VERSION}/{REGION}/index.json"}}})
    offers = {code: {"offerCode": code, "currentRegionIndexUrl": f"/offers/v1.0/aws/{code}/current/region_index.json"}
              for code in ("AmazonEC2", "AmazonVPC", "AWSELB", "AmazonECS", "AmazonRDS", "AWSSecretsManager",
                           "AmazonCloudWatch", "AWSDataTransfer")}
    empty = json.dumps({"regions": {}}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path == "/offers/v1.0/aws/index.json":
                body = json.dumps({"offers": offers}).encode()
            elif self.path == "/offers/v1.0/aws/AmazonEC2/current/region_index.json":
                body = region_index.encode()
            elif self.path.endswith("region_index.json"):
                body = empty
            elif self.path.endswith(f"/{REGION}/index.json"):
                self.send_response(200)
                self.send_header("Content-Length", str(path.stat().st_size))
                self.end_headers()
                with open(path, "rb") as f:
                    while chunk := f.read(1 << 20):
                        self.wfile.write(chunk)
                return
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return httpd, thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--keep", metavar="PATH", help="write the file here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-prices-") as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "index.json"
        start = time.perf_counter()
        size = write_offer(path, args.products)
        print(f"synthetic AmazonEC2 {REGION} offer: {args.products:,} products, {size:,} bytes "
              f"({size / 2**20:,.0f} MiB), written in {time.perf_counter() - start:.1f} s")
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        elapsed, peak, said = _child(["prices", "refresh", "--region", REGION, "--from-file", str(path)],
                                     Path(tmp) / "catalog-file")
        print(f"--from-file:      {elapsed:6.1f} s, peak RSS {peak / 1024:,.0f} MiB ({size / 2**20 / elapsed:,.0f} MiB/s); "
              f"{said}")
        httpd, thread = _serve(path)
        try:
            url = f"http://127.0.0.1:{httpd.server_address[1]}"
            elapsed, peak, said = _child(["prices", "refresh", "--region", REGION, "--price-list-url", url],
                                         Path(tmp) / "catalog-http")
        finally:
            httpd.shutdown()
            httpd.server_close()
            thread.join(timeout=5)
        print(f"--price-list-url: {elapsed:6.1f} s, peak RSS {peak / 1024:,.0f} MiB; {said}")
        print(f"(this benchmark process itself: {baseline / 1024:,.0f} MiB max RSS; the file is "
              f"{size / 2**20:,.0f} MiB, so memory does not grow with it)")


if __name__ == "__main__":
    main()
