"""The scenario schema: defaults, types, every problem at once, grids."""

import datetime as dt

import pytest

from infrakit.core.errors import InputError
from infrakit.core.schema import (
    FIELDS,
    FIELDS_BY_NAME,
    defaults,
    deployability_problems,
    load_grid,
    load_scenario,
    validate_grid,
    validate_scenario,
)

REQUIRED_KEYS = (
    "name region environment environment_suffix az_count nat_strategy engine_version instance_class reader_count "
    "storage_type listener_protocol domain_name hosted_zone_name certificate_arn service_cpu service_memory_mib "
    "service_desired_count service_arch nat_data_gb_per_month cross_az_gb_per_month alb_new_connections_per_second "
    "alb_active_connections_per_minute alb_processed_gb_per_hour alb_rule_evaluations_per_second aurora_storage_gb "
    "aurora_io_million_requests_per_month aurora_backup_gb log_ingest_gb_per_month start_date horizon_months "
    "budget_usd_per_month egress_must_survive_az_loss"
).split()


def problems_of(raw, **kwargs):
    with pytest.raises(InputError) as info:
        validate_scenario(raw, **kwargs)
    return info.value.problems


def test_every_contract_key_exists_with_a_documented_default():
    for key in REQUIRED_KEYS:
        assert key in FIELDS_BY_NAME, key
        assert FIELDS_BY_NAME[key].help
    assert defaults()["region"] == "us-east-1"
    assert defaults()["horizon_months"] == 36


def test_defaults_validate_and_start_next_month():
    scenario = validate_scenario({})
    start = dt.date.fromisoformat(scenario["start_date"])
    today = dt.date.today()
    assert start.day == 1 and start > today and (start - today).days <= 31


def test_all_problems_reported_at_once_with_key_value_and_allowed():
    problems = problems_of({
        "az_count": -1, "nat_stratgy": "single", "region": "us-east-9", "reader_count": "2",
        "instance_class": "db.x9.huge", "service_desired_count": 2.5, "egress_must_survive_az_loss": "maybe",
    })
    assert len(problems) == 7
    text = "\n".join(problems)
    assert "az_count: -1 is below the minimum" in text and "from 2 to 6" in text
    assert "nat_stratgy: not a scenario key. Did you mean 'nat_strategy'?" in text
    assert "region: 'us-east-9' is not allowed" in text and "'eu-west-1'" in text
    assert "reader_count: got '2' (str); expected a whole number" in text
    assert "instance_class: 'db.x9.huge' is not allowed" in text and "db.r6g.large" in text
    assert "service_desired_count: got 2.5" in text
    assert "egress_must_survive_az_loss: got 'maybe'" in text


@pytest.mark.parametrize("key,value,fragment", [
    ("reader_count", -1, "reader_count: -1 is below the minimum"),
    ("service_desired_count", 0, "service_desired_count: 0 is below the minimum"),
    ("nat_data_gb_per_month", -5, "nat_data_gb_per_month: -5 is below the minimum"),
    ("horizon_months", 0, "horizon_months: 0 is below the minimum"),
    ("az_count", True, "az_count: got True (bool)"),
    ("aurora_storage_gb", "lots", "aurora_storage_gb: got 'lots' (str); expected a number"),
    ("start_date", "next year", "start_date: got 'next year'"),
    ("nat_strategy", "perAZ", "Did you mean 'per_az'?"),
    ("service_cpu", 300, "service_cpu: 300 is not allowed"),
    ("environment_suffix", "Prod_1", "environment_suffix: 'Prod_1' is not valid"),
    ("name", ["a", "b"], "a scenario takes one value"),
])
def test_bad_values_are_named(key, value, fragment):
    problems = problems_of({key: value})
    assert any(fragment in p for p in problems), problems


def test_engine_version_number_from_unquoted_yaml_is_explained():
    (problem,) = problems_of({"engine_version": 15.1})
    assert "engine_version: got the number 15.1" in problem and 'engine_version: "15.10"' in problem


def test_integral_floats_are_whole_numbers_and_strings_true_false_are_bools():
    scenario = validate_scenario({"az_count": 3.0, "egress_must_survive_az_loss": "true"})
    assert scenario["az_count"] == 3 and isinstance(scenario["az_count"], int)
    assert scenario["egress_must_survive_az_loss"] is True


def test_az_count_above_region_is_bad_input_for_one_scenario():
    (problem,) = problems_of({"region": "eu-west-1", "az_count": 4})
    assert "az_count: 4 is more than the 3 Availability Zones of eu-west-1" in problem


def test_fargate_size_must_match():
    (problem,) = problems_of({"service_cpu": 256, "service_memory_mib": 4096})
    assert "service_memory_mib: 4096 does not fit service_cpu 256" in problem and "512, 1024, 2048" in problem


def test_https_needs_domain():
    (problem,) = problems_of({"listener_protocol": "HTTPS"})
    assert "HTTPS needs domain_name" in problem


def test_deployability_problems_are_priced_but_listed():
    scenario = validate_scenario({"engine_version": "15.3"})  # costing accepts it
    (problem,) = deployability_problems(scenario)
    assert "15.3 is deprecated" in problem and "15.10 (LTS)" in problem
    problems = problems_of({"engine_version": "15.3"}, rule_kinds=("input", "deployable"))
    assert "15.3 is deprecated" in problems[0]


@pytest.mark.parametrize("domain", ["payment-api.example.com", "shop.example.org", "a.test", "x.invalid"])
def test_reserved_domains_cannot_be_deployed(domain):
    scenario = validate_scenario({"listener_protocol": "HTTPS", "domain_name": domain,
                                  "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc-123"})
    assert any("reserved domain" in p for p in deployability_problems(scenario))


def test_hosted_zone_must_cover_domain():
    scenario = validate_scenario({"listener_protocol": "HTTPS", "domain_name": "api.acme.io",
                                  "hosted_zone_name": "other.io"})
    assert any("does not cover domain_name" in p for p in deployability_problems(scenario))
    no_id = validate_scenario({"listener_protocol": "HTTPS", "domain_name": "api.acme.io", "hosted_zone_name": "acme.io"})
    assert any("hosted_zone_id: missing" in p for p in deployability_problems(no_id))
    ok = validate_scenario({"listener_protocol": "HTTPS", "domain_name": "api.acme.io", "hosted_zone_name": "acme.io",
                            "hosted_zone_id": "Z0123456789ABC"})
    assert deployability_problems(ok) == []


def test_no_nat_needs_private_ecr_image():
    public = validate_scenario({"nat_strategy": "none"})
    assert any("public registry" in p for p in deployability_problems(public))
    private = validate_scenario({"nat_strategy": "none",
                                 "container_image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1"})
    assert deployability_problems(private) == []


def test_malformed_yaml_names_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\naz_count: [2, 3\nregion: us-east-1\n")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert "malformed YAML at line" in str(info.value) and str(path) in str(info.value)


def test_missing_file_and_non_mapping(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(InputError, match="expected a mapping"):
        load_scenario(path)


def test_yaml_dates_and_quoted_versions(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text('start_date: 2027-01-01\nengine_version: "15.10"\n')
    scenario = load_scenario(path)
    assert scenario["start_date"] == "2027-01-01" and scenario["engine_version"] == "15.10"


def test_grid_axes_constants_and_errors(tmp_path):
    grid = validate_grid({"nat_strategy": ["per_az", "single"], "az_count": [2, 3, 3.0][:2], "region": ["eu-west-1"]})
    assert grid.axes == {"nat_strategy": ["per_az", "single"], "az_count": [2, 3]}
    assert grid.constants["region"] == "eu-west-1" and grid.size == 4
    with pytest.raises(InputError) as info:
        validate_grid({"az_count": [], "nat_strategy": ["single", "single"], "regoin": ["x"]})
    text = str(info.value)
    assert "az_count: the list is empty" in text and "repeats a value" in text and "Did you mean 'region'" in text
    path = tmp_path / "g.yaml"
    path.write_text("az_count: [2, 7]\n")
    with pytest.raises(InputError, match="az_count: 7 is above the maximum"):
        load_grid(path)


def test_every_field_has_a_valid_default():
    values = defaults()
    for spec in FIELDS:
        assert spec.name in values
    validate_scenario(values)


def test_rules_run_alongside_per_key_problems():
    problems = problems_of({"name": "!!", "region": "eu-west-1", "az_count": 6, "listener_protocol": "HTTPS",
                            "service_cpu": 256, "service_memory_mib": 8192})
    assert len(problems) == 4, problems


@pytest.mark.parametrize("text,fragment", [
    ("start_date: 2027-02-30\n", "impossible date"),
    ("region: us-east-1\nregion: eu-west-1\n", "the key 'region' appears twice"),
    ("aurora_storage_gb: 1" + "0" * 400 + "\n", "expected a finite number up to"),
    ("cross_az_gb_per_month: 1.7e+308\n", "expected a finite number up to"),
    ('engine_version: "17.7\\n"\n', "engine_version: '17.7\\n' is not valid"),
])
def test_hostile_yaml_is_bad_input_not_a_crash(tmp_path, text, fragment):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert fragment in str(info.value)


def test_null_start_date_in_a_grid_means_the_default():
    grid = validate_grid({"start_date": [None, "2028-03-01"]})
    assert grid.axes["start_date"][0] == defaults()["start_date"]


def test_instance_class_needs_its_minimum_engine_minor():
    (problem,) = deployability_problems(validate_scenario({"instance_class": "db.r7g.large", "engine_version": "14.6"}))
    assert "db.r7g.large needs Aurora PostgreSQL 14.7 or later" in problem
    assert deployability_problems(validate_scenario({"instance_class": "db.r7g.large", "engine_version": "14.17"})) == []
    # Majors the catalog's copy of AWS's table predates are not refused.
    assert deployability_problems(validate_scenario({"instance_class": "db.r6g.large", "engine_version": "17.7"})) == []
