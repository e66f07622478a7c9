"""`cost --template` on the kit's own stacks: what the cost model does not price is free, and the
header and the JSON describe the synthesized template (its AZs, NAT gateways, classes, sizes)."""

import pytest

from cost_model import cost_template
from cost_model.template_parts import header_lines

pytestmark = pytest.mark.slow


def test_the_kit_stack_leaves_only_free_resources_unpriced(grid_results):
    for scenario, result in grid_results:
        cost = cost_template(result.template, scenario)
        assert {entry["reason"] for entry in cost.not_priced} == {"free"}, result.stack_name
        assert cost.row_keys == (None,)  # one bill row: the kit's stack has one of everything
        assert cost.to_json()["availability"]["not_assessed"] == {}
        assert cost.template["usage_not_applied"] == {}  # the stack carries all of the scenario's usage


def test_the_kit_template_is_described_by_what_it_deploys(grid_results):
    for scenario, result in grid_results:
        description = cost_template(result.template, scenario).template
        nat = scenario["nat_strategy"]
        zonal = {"per_az": scenario["az_count"], "single": 1}.get(nat, 0)
        assert description["availability_zones"] == scenario["az_count"]
        assert len(description["nat_gateways"]["zonal"]) == zonal
        assert [r["azs"] for r in description["nat_gateways"]["regional"]] == (
            [scenario["az_count"]] if nat == "regional" else [])
        assert len(description["interface_endpoints"]) == (4 if nat == "none" else 0)
        (cluster,) = description["aurora_clusters"]
        assert cluster["instances"] == {scenario["instance_class"]: 1 + scenario["reader_count"]}
        assert cluster["engine_version"] == scenario["engine_version"]
        assert cluster["storage_type"] == scenario["storage_type"]
        (service,) = description["fargate_services"]
        assert (service["tasks"], service["vcpu"] * 1024, service["arch"]) == (
            scenario["service_desired_count"], scenario["service_cpu"], scenario["service_arch"])
        header = header_lines(description, scenario["region"])[0]
        assert f"{scenario['az_count']} AZs" in header
        assert f"on {1 + scenario['reader_count']} x {scenario['instance_class']} ({scenario['storage_type']})" in header
