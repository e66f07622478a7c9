"""Offer files in the public Price List layout (written from price_list_format.md), decoys
included, and the matcher's choices on them: exactly the real meter, never a look-alike.

The builders here are shared by the refresh tests (tests/test_prices_refresh.py).
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from cost_model.price_list import all_selections, match_offer, strip_region_prefix
from cost_model.price_list.rules import rds_usage_class
from infrakit.core.catalogs import engine_catalog

ON_DEMAND = "JRTCKXETXF"
VERSIONS = {"AmazonEC2": "20261120181331", "AmazonVPC": "20261120092232", "AWSELB": "20261120092255",
            "AmazonECS": "20261120120000", "AmazonRDS": "20261120130000", "AWSSecretsManager": "20261120092330",
            "AmazonCloudWatch": "20261120092148", "AWSDataTransfer": "20261120121448"}
LOCATIONS = {"us-east-1": "US East (N. Virginia)", "ap-south-2": "Asia Pacific (Hyderabad)",
             "ap-northeast-1": "Asia Pacific (Tokyo)"}
PREFIXES = {"us-east-1": "", "ap-south-2": "APS5-", "ap-northeast-1": "APN1-"}


class Offers:
    """Products of one region, grouped by offer, with on-demand (and reserved) terms."""

    def __init__(self, region: str, scale: float = 1.0):
        self.region, self.scale = region, scale
        self.prefix = PREFIXES[region]
        self.products: dict[str, list[tuple[str, dict, list]]] = {}
        self.count = 0

    def add(self, offer, usagetype, family, attrs, dims, *, prefix=None, sku=None, reserved=False):
        """``dims``: [(unit, usd, begin, end)], or (unit, usd) for one tier. Returns the SKU."""
        self.count += 1
        sku = sku or f"{offer[:4].upper()}{self.count:04d}SKU{len(self.region):02d}X"[:16].ljust(16, "Q")
        prefix = self.prefix if prefix is None else prefix
        attributes = {"servicecode": offer, "location": LOCATIONS[self.region], "locationType": "AWS Region",
                      "regionCode": self.region, "usagetype": prefix + usagetype, **attrs}
        if isinstance(dims, tuple):
            dims = [(dims[0], dims[1], "0", "Inf")]
        self.products.setdefault(offer, []).append((sku, {"sku": sku, "productFamily": family,
                                                          "attributes": attributes}, dims, reserved))
        return sku

    def price(self, usd: float) -> str:
        return f"{usd * self.scale:.10f}"

    def offer_json(self, offer: str, version: str | None = None) -> dict:
        products, on_demand, reserved = {}, {}, {}
        for sku, product, dims, has_reserved in self.products.get(offer, []):
            if product["productFamily"] is None:
                product = {k: v for k, v in product.items() if k != "productFamily"}
            products[sku] = product
            dimensions = {}
            for i, (unit, usd, begin, end) in enumerate(dims):
                rate = f"{sku}.{ON_DEMAND}.{'6YS6EN2CT7' if i == 0 else f'TIER{i:06d}'}"
                dimensions[rate] = {"rateCode": rate, "description": f"{usd} per {unit}", "beginRange": begin,
                                    "endRange": end, "unit": unit, "pricePerUnit": {"USD": self.price(usd)},
                                    "appliesTo": []}
            on_demand[sku] = {f"{sku}.{ON_DEMAND}": {"offerTermCode": ON_DEMAND, "sku": sku,
                                                    "effectiveDate": "2026-11-01T00:00:00Z",
                                                    "priceDimensions": dimensions, "termAttributes": {}}}
            if has_reserved:  # a cheaper reserved price that must never be taken for on-demand
                reserved[sku] = {f"{sku}.4NA7Y494T4": {"offerTermCode": "4NA7Y494T4", "sku": sku, "priceDimensions": {
                    f"{sku}.4NA7Y494T4.6YS6EN2CT7": {"unit": dims[0][0], "pricePerUnit": {"USD": "0.0000000001"},
                                                     "beginRange": "0", "endRange": "Inf"}},
                    "termAttributes": {"LeaseContractLength": "1yr", "PurchaseOption": "No Upfront"}}}
        version = version or VERSIONS[offer]
        return {"formatVersion": "v1.0", "disclaimer": "fixture", "offerCode": offer, "version": version,
                "publicationDate": f"{version[:4]}-{version[4:6]}-{version[6:8]}T00:00:00Z", "products": products,
                "terms": {"OnDemand": on_demand, "Reserved": reserved}}

    def offer_bytes(self, offer: str, version: str | None = None) -> bytes:
        return json.dumps(self.offer_json(offer, version), indent=1, separators=(",", " : ")).encode()

    def offer_csv(self, offer: str) -> bytes:
        data = self.offer_json(offer)
        names = sorted({k for p in data["products"].values() for k in p["attributes"]})
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_ALL)
        for key, label in (("formatVersion", "FormatVersion"), ("disclaimer", "Disclaimer"),
                           ("publicationDate", "Publication Date"), ("version", "Version"), ("offerCode", "OfferCode")):
            writer.writerow([label, data[key]])
        csv_names = {"usagetype": "usageType", "regionCode": "Region Code", "servicecode": "serviceCode",
                     "databaseEngine": "Database Engine", "instanceType": "Instance Type"}
        writer.writerow(["SKU", "OfferTermCode", "RateCode", "TermType", "PriceDescription", "EffectiveDate",
                         "StartingRange", "EndingRange", "Unit", "PricePerUnit", "Currency", "Product Family",
                         *[csv_names.get(n, n) for n in names]])
        for term_type in ("OnDemand", "Reserved"):
            for sku, terms in data["terms"][term_type].items():
                product = data["products"][sku]
                for term in terms.values():
                    for rate, dim in term["priceDimensions"].items():
                        writer.writerow([sku, term["offerTermCode"], rate, term_type, dim.get("description", ""),
                                         "2026-11-01", dim["beginRange"], dim["endRange"], dim["unit"],
                                         dim["pricePerUnit"]["USD"], "USD", product.get("productFamily", ""),
                                         *[product["attributes"].get(n, "") for n in names]])
        return out.getvalue().encode()


def full_region(region: str, scale: float = 1.0) -> Offers:
    """Every meter the model needs in ``region``, plus the look-alikes real offer files hold."""
    o = Offers(region, scale)
    use1 = "USE1-" if region == "us-east-1" else None
    nat = {"operation": "NatGateway", "group": "NGW:NatGateway"}
    o.add("AmazonEC2", "NatGateway-Hours", "NAT Gateway", nat, ("Hrs", 0.045))
    o.add("AmazonEC2", "NatGateway-Bytes", "NAT Gateway", nat, ("GB", 0.045))
    o.add("AmazonEC2", "RegionalNatGateway-Hours", "NAT Gateway", {"operation": "RegionalNatGateway"}, ("Hrs", 0.046))
    o.add("AmazonEC2", "RegionalNatGateway-Bytes", "NAT Gateway", {"operation": "RegionalNatGateway"},
          ("GB", 0.047), prefix=use1)  # us-east-1: USE1- on this one meter only
    o.add("AmazonEC2", "NatGateway-Prvd-Gbps", "NAT Gateway", nat, ("Gbps-hrs", 1.076))  # provisioned bandwidth
    o.add("AmazonEC2", "NatGateway-Prvd-Bytes", "NAT Gateway", nat, ("GB", 0.0))
    o.add("AmazonEC2", "BoxUsage:m5.large", "Compute Instance", {"operation": "RunInstances"}, ("Hrs", 0.096),
          reserved=True)
    ipv4 = {"group": "VPCPublicIPv4Address", "groupDescription": "Hourly charge for In-use Public IPv4 Addresses"}
    o.add("AmazonVPC", "PublicIPv4:InUseAddress", None, ipv4, ("Hrs", 0.005), prefix=use1)
    o.add("AmazonVPC", "PublicIPv4:IdleAddress", None, {**ipv4, "groupDescription": "Idle"}, ("Hrs", 0.0051),
          prefix=use1)
    o.add("AmazonVPC", "VpcEndpoint-Hours", "VpcEndpoint", {"endpointType": "PrivateLink"}, ("Hrs", 0.01), prefix=use1)
    o.add("AmazonVPC", "VpcEndpoint-Bytes", "VpcEndpoint", {"endpointType": "PrivateLink"},
          [("GB", 0.01, "0", "1048576"), ("GB", 0.006, "1048576", "5242880"), ("GB", 0.004, "5242880", "Inf")],
          prefix=use1)
    gwlb = {"endpointType": "GatewayLoadBalancer"}
    o.add("AmazonVPC", "VpcEndpoint-GWLBE-Hours", "VpcEndpoint", gwlb, ("Hrs", 0.0101), prefix=use1)
    o.add("AmazonVPC", "VpcEndpoint-GWLBE-Bytes", "VpcEndpoint", gwlb, ("GB", 0.0035), prefix=use1)
    alb = {"operation": "LoadBalancing:Application"}
    o.add("AWSELB", "LoadBalancerUsage", "Load Balancer-Application", alb, ("Hrs", 0.0225))
    o.add("AWSELB", "LCUUsage", "Load Balancer-Application", alb, ("LCU-Hrs", 0.008))
    o.add("AWSELB", "TS-LoadBalancerUsage", "Load Balancer-Application", alb, ("Hrs", 0.0054))  # mTLS trust store
    o.add("AWSELB", "ReservedLCUUsage", "Load Balancer-Application", alb, ("ReservedLCU-Hr", 0.0056))
    o.add("AWSELB", "Outposts-LCUUsage", "Load Balancer-Application", alb, ("LCU-Hrs", 0.0))
    nlb = {"operation": "LoadBalancing:Network"}
    o.add("AWSELB", "LoadBalancerUsage", "Load Balancer-Network", nlb, ("Hrs", 0.0226))
    o.add("AWSELB", "LCUUsage", "Load Balancer-Network", nlb, ("LCU-Hrs", 0.006))
    o.add("AWSELB", "LoadBalancerUsage", "Load Balancer-Gateway", {"operation": "LoadBalancing:Gateway"}, ("Hrs", 0.0125))
    _fargate(o, use1)
    _rds(o)
    o.add("AWSSecretsManager", "AWSSecretsManager-Secrets", "Secret", {}, ("Secrets", 0.40), prefix=use1)
    o.add("AWSSecretsManager", "AWSSecretsManagerAPIRequest", "API Request", {}, ("API Requests", 0.000005),
          prefix=use1)
    o.add("AmazonCloudWatch", "DataProcessing-Bytes", "Data Payload", {"group": "Ingested Logs",
          "operation": "PutLogEvents"}, ("GB", 0.50), prefix=use1)
    o.add("AmazonCloudWatch", "VendedLog-Bytes", "Data Payload", {"group": "Ingested VendedLogs"},
          [("GB", 0.50, "0", "10240"), ("GB", 0.25, "10240", "Inf")], prefix=use1)
    o.add("AmazonCloudWatch", "TimedStorage-ByteHrs", "Storage Snapshot", {}, ("GB-Mo", 0.03), prefix=use1)
    here = {"fromLocation": LOCATIONS[region]}
    o.add("AWSDataTransfer", "DataTransfer-Regional-Bytes", "Data Transfer",
          {**here, "toLocation": LOCATIONS[region], "transferType": "IntraRegion"}, ("GB", 0.01))
    o.add("AWSDataTransfer", "DataTransfer-xAZ-In-Bytes", "Data Transfer",
          {**here, "toLocation": LOCATIONS[region], "transferType": "IntraRegion"}, ("GB", 0.0), prefix=use1)
    o.add("AWSDataTransfer", "DataTransfer-Out-Bytes", "Data Transfer",
          {**here, "toLocation": "External", "transferType": "AWS Outbound"},
          [("GB", 0.09, "0", "10240"), ("GB", 0.085, "10240", "51200"), ("GB", 0.07, "51200", "153600"),
           ("GB", 0.05, "153600", "Inf")])
    o.add("AWSDataTransfer", "USW2-AWS-Out-Bytes", "Data Transfer",
          {**here, "toLocation": "US West (Oregon)", "transferType": "InterRegion Outbound"}, ("GB", 0.02))
    return o


def _fargate(o: Offers, use1) -> None:
    base = {"tenancy": "Shared", "operation": ""}
    o.add("AmazonECS", "Fargate-vCPU-Hours:perCPU", "Compute", {**base, "cputype": "perCPU"}, ("hours", 0.04048),
          prefix=use1)
    o.add("AmazonECS", "Fargate-GB-Hours", "Compute", {**base, "memorytype": "perGB"}, ("hours", 0.004445), prefix=use1)
    arm = {**base, "cpuArchitecture": "ARM"}
    o.add("AmazonECS", "Fargate-ARM-vCPU-Hours:perCPU", "Compute", {**arm, "cputype": "perCPU"}, ("hours", 0.03238),
          prefix=use1)
    o.add("AmazonECS", "Fargate-ARM-GB-Hours", "Compute", {**arm, "memorytype": "perGB"}, ("hours", 0.00356),
          prefix=use1)
    windows = {**base, "operatingSystem": "Windows"}
    o.add("AmazonECS", "Fargate-Windows-vCPU-Hours:perCPU", "Compute", {**windows, "cputype": "perCPU"},
          ("hours", 0.09148), prefix=use1)
    o.add("AmazonECS", "Fargate-Windows-OS-Hours:perCPU", "Compute", windows, ("hours", 0.046), prefix=use1)
    o.add("AmazonECS", "Fargate-EphemeralStorage-GB-Hours", "Compute", base, ("GB-Hours", 0.000111), prefix=use1)


INSTANCE_USD = {"db.t4g.medium": 0.073, "db.t4g.large": 0.146, "db.r6g.large": 0.26, "db.r6g.xlarge": 0.519,
                "db.r6g.2xlarge": 1.038, "db.r6i.large": 0.29, "db.r7g.large": 0.276, "db.r7g.xlarge": 0.553,
                "db.r7i.large": 0.3, "db.r8g.large": 0.276}


def _rds(o: Offers) -> None:
    for cls in engine_catalog().instance_vcpus:
        usd = INSTANCE_USD[cls]
        for engine, factor in (("Aurora PostgreSQL", 1.0), ("Aurora MySQL", 0.9), ("PostgreSQL", 0.7)):
            common = {"databaseEngine": engine, "instanceType": cls, "deploymentOption": "Single-AZ"}
            # As in real offer files and bills: RDS shortens sizes from xlarge up (db.r6g.xl).
            o.add("AmazonRDS", f"InstanceUsage:{rds_usage_class(cls)}", "Database Instance",
                  {**common, "storage": "EBS Only"},
                  ("Hrs", usd * factor), reserved=True)
            if engine != "PostgreSQL":
                o.add("AmazonRDS", f"InstanceUsageIOOptimized:{rds_usage_class(cls)}", "Database Instance",
                      {**common, "storage": "Aurora IO Optimization Mode"}, ("Hrs", usd * factor * 1.3))
        o.add("AmazonRDS", f"Multi-AZUsage:{cls}", "Database Instance",
              {"databaseEngine": "PostgreSQL", "instanceType": cls, "deploymentOption": "Multi-AZ"}, ("Hrs", usd * 1.4))
    for engine in ("Aurora PostgreSQL", "Aurora MySQL"):
        pg = {"databaseEngine": engine}
        o.add("AmazonRDS", "Aurora:StorageUsage", "Database Storage", {**pg, "volumeType": "General Purpose-Aurora"},
              ("GB-Mo", 0.10))
        o.add("AmazonRDS", "Aurora:IO-OptimizedStorageUsage", "Database Storage",
              {**pg, "volumeType": "IO Optimized-Aurora"}, ("GB-Mo", 0.225))
        o.add("AmazonRDS", "Aurora:StorageIOUsage", "System Operation", pg, ("IOs", 0.0000002))
        o.add("AmazonRDS", "Aurora:BackupUsage", "Storage Snapshot", pg, ("GB-Mo", 0.021))
    o.add("AmazonRDS", "Aurora:IO-OptimizedStorageUsage-LimitlessPreview", "Database Storage",
          {"databaseEngine": "Aurora PostgreSQL"}, ("GB-Mo", 0.0))
    for major in sorted(engine_catalog().majors, key=int):
        es = {"databaseEngine": "Aurora PostgreSQL", "engineMajorVersion": major}
        o.add("AmazonRDS", f"ExtendedSupport:Yr1-Yr2:AuroraPostgreSQL{major}", None,
              {**es, "extendedSupportPricingYear": "Year 1, Year 2"}, ("vCPU-Hours", 0.10))
        o.add("AmazonRDS", f"ExtendedSupport:Yr3:AuroraPostgreSQL{major}", None,
              {**es, "extendedSupportPricingYear": "Year 3"}, ("vCPU-Hours", 0.20))
        o.add("AmazonRDS", f"ExtendedSupport:Yr1-Yr2:ASv2:AuroraPostgreSQL{major}", None,
              {**es, "extendedSupportPricingYear": "Year 1, Year 2"}, ("ACU-Hr", 0.085))


def match(o: Offers, offer: str, *, kind="json"):
    data = o.offer_csv(offer) if kind == "csv" else o.offer_bytes(offer)
    return match_offer(io.BytesIO(data), all_selections(), region=o.region, kind=kind)


def sku_of(o: Offers, offer: str, usagetype: str, **attrs) -> str:
    found = [sku for sku, p, _, _ in o.products[offer]
             if strip_region_prefix(p["attributes"]["usagetype"]) == usagetype
             and all(p["attributes"].get(k) == v or p.get(k) == v for k, v in attrs.items())]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def tokyo():
    return full_region("ap-northeast-1", scale=1.1)


def test_every_item_of_every_offer_is_found_in_a_full_region(tokyo):
    for offer in VERSIONS:
        result = match(tokyo, offer)
        assert result.problems == {}, (offer, result.problems)
        assert result.version == VERSIONS[offer] and result.region == "ap-northeast-1"
    assert len({k for offer in VERSIONS for k in match(tokyo, offer).rows}) == len(all_selections())


def test_trust_store_and_reserved_lcu_rows_are_never_the_alb(tokyo):
    rows = match(tokyo, "AWSELB").rows
    assert rows["LoadBalancerUsage"]["sku"] == sku_of(tokyo, "AWSELB", "LoadBalancerUsage",
                                                      productFamily="Load Balancer-Application")
    assert rows["LoadBalancerUsage"]["usd_per_unit"] == pytest.approx(0.0225 * 1.1)
    assert rows["LCUUsage"]["sku"] == sku_of(tokyo, "AWSELB", "LCUUsage", productFamily="Load Balancer-Application")
    assert rows["LCUUsage"]["price_list_unit"] == "LCU-Hrs"


def test_network_and_gateway_load_balancers_share_usage_types_but_not_the_family(tokyo):
    rows = match(tokyo, "AWSELB").rows
    nlb = sku_of(tokyo, "AWSELB", "LoadBalancerUsage", productFamily="Load Balancer-Network")
    gwlb = sku_of(tokyo, "AWSELB", "LoadBalancerUsage", productFamily="Load Balancer-Gateway")
    assert rows["LoadBalancerUsage"]["sku"] not in (nlb, gwlb)
    assert rows["LCUUsage"]["usd_per_unit"] == pytest.approx(0.008 * 1.1)  # not the NLCU's 0.006


def test_aurora_mysql_and_rds_postgresql_instances_of_the_same_class_are_not_aurora_postgresql(tokyo):
    rows = match(tokyo, "AmazonRDS").rows
    for cls, usd in INSTANCE_USD.items():
        row = rows[f"InstanceUsage:{cls}"]
        assert row["sku"] == sku_of(tokyo, "AmazonRDS", f"InstanceUsage:{rds_usage_class(cls)}",
                                    databaseEngine="Aurora PostgreSQL")
        assert row["usd_per_unit"] == pytest.approx(usd * 1.1)
        io_row = rows[f"InstanceUsageIOOptimized:{cls}"]
        assert io_row["usd_per_unit"] == pytest.approx(usd * 1.1 * 1.3)  # the PostgreSQL I/O-Optimized SKU
    assert rows["Aurora:StorageIOUsage"]["usd_per_unit"] == pytest.approx(0.20 * 1.1)  # per million, from IOs
    assert rows["Aurora:StorageIOUsage"]["unit"] == "1M requests"


def test_shortened_rds_sizes_match_their_own_class_only(tokyo):
    """Offer files write db.r6g.xlarge as InstanceUsage:db.r6g.xl; the row keeps the kit's key,
    and the instanceType attribute keeps db.r6g.xl from ever matching another class."""
    rows = match(tokyo, "AmazonRDS").rows
    assert rds_usage_class("db.r6g.2xlarge") == "db.r6g.2xl" and rds_usage_class("db.r6g.large") == "db.r6g.large"
    for cls in ("db.r6g.xlarge", "db.r6g.2xlarge", "db.r7g.xlarge"):
        row = rows[f"InstanceUsage:{cls}"]
        assert row["price_list_usagetype"].endswith(f"InstanceUsage:{rds_usage_class(cls)}")
        assert row["usd_per_unit"] == pytest.approx(INSTANCE_USD[cls] * 1.1)


def test_windows_fargate_is_never_linux_fargate(tokyo):
    rows = match(tokyo, "AmazonECS").rows
    assert rows["Fargate-vCPU-Hours:perCPU"]["usd_per_unit"] == pytest.approx(0.04048 * 1.1)
    assert rows["Fargate-ARM-GB-Hours"]["usd_per_unit"] == pytest.approx(0.00356 * 1.1)
    windows = sku_of(tokyo, "AmazonECS", "Fargate-Windows-vCPU-Hours:perCPU")
    assert windows not in {r["sku"] for r in rows.values()}


def test_gateway_load_balancer_endpoints_are_not_interface_endpoints(tokyo):
    rows = match(tokyo, "AmazonVPC").rows
    assert rows["VpcEndpoint-Hours"]["sku"] == sku_of(tokyo, "AmazonVPC", "VpcEndpoint-Hours")
    assert rows["VpcEndpoint-Bytes"]["tiers"] == [(0.0, pytest.approx(0.011)), (1048576.0, pytest.approx(0.0066)),
                                                  (5242880.0, pytest.approx(0.0044))]


def test_idle_ipv4_addresses_are_not_in_use_addresses(tokyo):
    row = match(tokyo, "AmazonVPC").rows["PublicIPv4:InUseAddress"]
    assert row["sku"] == sku_of(tokyo, "AmazonVPC", "PublicIPv4:InUseAddress")
    assert row["usd_per_unit"] == pytest.approx(0.005 * 1.1)


def test_provisioned_nat_bandwidth_is_not_nat_data_or_hours(tokyo):
    rows = match(tokyo, "AmazonEC2").rows
    assert rows["NatGateway-Hours"]["price_list_unit"] == "Hrs"
    assert rows["NatGateway-Bytes"]["usd_per_unit"] == pytest.approx(0.045 * 1.1)
    assert rows["RegionalNatGateway-Hours"]["usd_per_unit"] == pytest.approx(0.046 * 1.1)  # not the zonal row


def test_extended_support_excludes_serverless_v2_and_reserved_terms_are_ignored(tokyo):
    rows = match(tokyo, "AmazonRDS").rows
    assert rows["ExtendedSupport:Yr3:AuroraPostgreSQL13"]["usd_per_unit"] == pytest.approx(0.20 * 1.1)
    assert rows["ExtendedSupport:Yr1-Yr2:AuroraPostgreSQL13"]["price_list_unit"] == "vCPU-Hours"
    assert rows["InstanceUsage:db.r6g.large"]["usd_per_unit"] > 0.01  # the reserved 1e-10 is never taken


def test_us_east_1_mixes_unprefixed_and_use1_usage_types_in_one_offer():
    east = full_region("us-east-1")
    rows = match(east, "AmazonEC2").rows
    assert rows["RegionalNatGateway-Hours"]["price_list_usagetype"] == "RegionalNatGateway-Hours"
    assert rows["RegionalNatGateway-Bytes"]["price_list_usagetype"] == "USE1-RegionalNatGateway-Bytes"
    assert match(east, "AmazonECS").rows["Fargate-GB-Hours"]["price_list_usagetype"] == "USE1-Fargate-GB-Hours"


def test_product_variants_that_look_like_prefixes_are_not_stripped():
    assert strip_region_prefix("TS-LoadBalancerUsage") == "TS-LoadBalancerUsage"
    assert strip_region_prefix("Outposts-LCUUsage") == "Outposts-LCUUsage"
    assert strip_region_prefix("EU-NatGateway-Hours") == "NatGateway-Hours"
    assert strip_region_prefix("EUW1-NatGateway-Hours") == "EUW1-NatGateway-Hours"  # not a real code


def test_two_matching_products_and_none_are_named_problems():
    o = full_region("ap-south-2")
    o.add("AmazonEC2", "NatGateway-Hours", "NAT Gateway", {"operation": "NatGateway"}, ("Hrs", 0.05))
    o.products["AmazonEC2"] = [p for p in o.products["AmazonEC2"]
                               if p[1]["attributes"]["usagetype"] != "APS5-NatGateway-Bytes"]
    result = match(o, "AmazonEC2")
    assert "NatGateway-Hours" not in result.rows and "NatGateway-Bytes" not in result.rows
    assert "2 products match" in result.problems["NatGateway-Hours"]
    assert "no product matches" in result.problems["NatGateway-Bytes"]
    assert "RegionalNatGateway-Hours" in result.rows


def test_an_unexpected_unit_is_a_named_problem():
    o = Offers("ap-south-2")
    o.add("AmazonEC2", "NatGateway-Hours", "NAT Gateway", {"operation": "NatGateway"}, ("Gbps-hrs", 0.05))
    result = match(o, "AmazonEC2")
    assert "quoted in Gbps-hrs, not Hrs" in result.problems["NatGateway-Hours"]


def test_csv_offer_files_give_the_same_rows_as_json(tokyo):
    for offer in ("AmazonRDS", "AWSDataTransfer", "AmazonVPC"):
        from_json, from_csv = match(tokyo, offer), match(tokyo, offer, kind="csv")
        assert from_csv.problems == {} and from_csv.version == from_json.version
        assert {k: (r["sku"], r["usd_per_unit"], r["tiers"]) for k, r in from_csv.rows.items()} == \
               {k: (r["sku"], r["usd_per_unit"], r["tiers"]) for k, r in from_json.rows.items()}


def test_internet_egress_keeps_the_price_lists_four_tiers_in_gb(tokyo):
    row = match(tokyo, "AWSDataTransfer").rows["DataTransfer-Out-Bytes"]
    assert [begin for begin, _ in row["tiers"]] == [0.0, 10240.0, 51200.0, 153600.0]  # 1 TB = 1,024 GB
    regional = match(tokyo, "AWSDataTransfer").rows["DataTransfer-Regional-Bytes"]
    assert regional["usd_per_unit"] == pytest.approx(0.011)  # not the $0 xAZ meter
