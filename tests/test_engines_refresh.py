"""`infrakit engines refresh`: statuses and lifecycle dates from the RDS API (botocore Stubber,
realistic response shapes) into a per-region snapshot that overrides the shipped catalog."""

from __future__ import annotations

import datetime as dt
import json

import boto3
import pytest
from botocore.stub import Stubber

from infrakit.core.catalogs import engine_catalog, newest_engine_snapshot
from infrakit.prices.engines import EngineRefreshError, refresh_engines


def _version(version: str, status: str) -> dict:
    major = version.split(".")[0]
    return {"Engine": "aurora-postgresql", "EngineVersion": version, "DBParameterGroupFamily": f"aurora-postgresql{major}",
            "DBEngineDescription": "Aurora (PostgreSQL)",
            "DBEngineVersionDescription": f"Aurora PostgreSQL (Compatible with PostgreSQL {version})",
            "ValidUpgradeTarget": [], "SupportsLogExportsToCloudwatchLogs": True, "SupportsReadReplica": True,
            "SupportedEngineModes": ["provisioned"], "Status": status, "SupportsParallelQuery": False,
            "SupportsGlobalDatabases": True}


def _lifecycle(major: str, standard_end: str, extended_end: str) -> dict:
    def day(text):
        return dt.datetime.fromisoformat(text + "T00:00:00+00:00")

    return {"Engine": "aurora-postgresql", "MajorEngineVersion": major, "SupportedEngineLifecycles": [
        {"LifecycleSupportName": "open-source-rds-standard-support", "LifecycleSupportStartDate": day("2022-11-10"),
         "LifecycleSupportEndDate": day(standard_end)},
        {"LifecycleSupportName": "open-source-rds-extended-support", "LifecycleSupportStartDate": day(standard_end),
         "LifecycleSupportEndDate": day(extended_end)}]}


def stubbed_client(region="ap-northeast-1"):
    client = boto3.client("rds", region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")
    stub = Stubber(client)
    page_one = [_version("15.8", "deprecated"), _version("15.10", "available"), _version("15.20", "available"),
                _version("16.4-limitless", "available")]
    stub.add_response("describe_db_engine_versions", {"DBEngineVersions": page_one, "Marker": "page2"},
                      {"Engine": "aurora-postgresql", "IncludeAll": True})
    stub.add_response("describe_db_engine_versions", {"DBEngineVersions": [_version("17.7", "available")]},
                      {"Engine": "aurora-postgresql", "IncludeAll": True, "Marker": "page2"})
    stub.add_response("describe_db_major_engine_versions",
                      {"DBMajorEngineVersions": [_lifecycle("15", "2028-02-29", "2031-03-31")]},
                      {"Engine": "aurora-postgresql"})
    return client, stub


def test_refresh_writes_a_snapshot_that_overrides_the_shipped_catalog_for_that_region():
    client, stub = stubbed_client()
    with stub:
        result = refresh_engines("ap-northeast-1", client=client)
    stub.assert_no_pending_responses()
    assert [m["version"] for m in result["minors"]] == ["15.8", "15.10", "15.20", "17.7"]  # 16.4-limitless skipped
    assert result["majors"] == {"15": {"end_of_standard_support": "2028-02-29", "end_of_extended_support": "2031-03-31"}}
    path = newest_engine_snapshot("ap-northeast-1")
    assert path is not None and json.loads(path.read_text())["majors_source"] == "rds.describe_db_major_engine_versions"
    tokyo, shipped = engine_catalog("ap-northeast-1"), engine_catalog()
    assert tokyo.status("15.20") == "available" and shipped.status("15.20") == "unknown"
    assert tokyo.status("16.8") == "deprecated" and "IncludeAll" in tokyo.minors["16.8"].evidence
    assert tokyo.majors["15"].end_of_extended_support == dt.date(2031, 3, 31)
    assert tokyo.majors["15"].extended_support_charges_start == dt.date(2028, 3, 1)
    assert str(path) in tokyo.provenance and "describe_db_engine_versions" in tokyo.provenance
    assert engine_catalog("us-east-1") is shipped  # other regions keep the shipped catalog


def test_the_region_snapshot_drives_validity_and_extended_support_dates():
    from cost_model import cost_scenario
    from infrakit.core.schema import validate_scenario

    client, stub = stubbed_client()
    with stub:
        refresh_engines("ap-northeast-1", client=client)
    # 15.x's end of Extended Support moved to 2031-03-31: a start in 2031-03 is still valid there.
    raw = {"region": "ap-northeast-1", "engine_version": "15.10", "start_date": "2031-03-01"}
    problems = cost_scenario(validate_scenario(raw)).problems
    assert not any("past the end of RDS Extended Support" in p for p in problems)
    raw_east = {**raw, "region": "us-east-1"}
    assert any("past the end of RDS Extended Support for major 15 (2031-02-28)" in p
               for p in cost_scenario(validate_scenario(raw_east)).problems)


def test_no_credentials_is_a_failure_that_writes_nothing(monkeypatch):
    import botocore.exceptions

    class NoCredentials:
        def get_paginator(self, name):
            raise botocore.exceptions.NoCredentialsError()

    with pytest.raises(EngineRefreshError, match="no AWS credentials"):
        refresh_engines("eu-west-1", client=NoCredentials())
    assert newest_engine_snapshot("eu-west-1") is None


def test_an_api_error_names_itself_and_writes_nothing():
    client = boto3.client("rds", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    stub = Stubber(client)
    stub.add_client_error("describe_db_engine_versions", "AccessDenied", "User is not authorized", 403)
    with stub, pytest.raises(EngineRefreshError, match="AccessDenied"):
        refresh_engines("eu-west-1", client=client)
    assert newest_engine_snapshot("eu-west-1") is None


def test_cli_unknown_region_is_bad_input(capsys):
    from infrakit.cli import main

    assert main(["engines", "refresh", "--region", "moon-1"]) == 2
    assert "moon-1" in capsys.readouterr().err
