"""The old import paths still work and hand out the very objects of the new homes, so code
written against them keeps working while nothing in the kit uses them any more."""

import importlib

import pytest

SHIMS = {
    "infrakit.scenario": ("infrakit.core.schema", ["validate_scenario", "load_scenario", "FIELDS", "Grid",
                                                    "validate_grid", "RULES", "check_value", "read_yaml_mapping"]),
    "infrakit.catalogs": ("infrakit.core.catalogs", ["engine_catalog", "region_catalog", "version_key"]),
    "infrakit.errors": ("infrakit.core.errors", ["InputError", "InfrakitError", "PriceMissingError",
                                                 "_rebuild_input_error"]),
    "infra_lib.preflight.template_index": ("infrakit.core.cfn", ["TemplateIndex", "logical_id", "as_port"]),
    "infra_lib.synth": ("infra_lib.cdk.synth", ["synth", "synth_many", "stack_name", "cache_key", "INFRA_KEYS"]),
    "infra_lib.nag": ("infra_lib.cdk.nag", ["ACKNOWLEDGEMENTS", "acknowledge"]),
    "infra_lib.node": ("infra_lib.cdk.node", ["venv_node", "configure_jsii_node"]),
    "cost_model.template": ("cost_model.from_template", ["read_template"]),
}


@pytest.mark.parametrize("old", sorted(SHIMS))
def test_an_old_import_path_is_the_new_home(old):
    new, names = SHIMS[old]
    old_module, new_module = importlib.import_module(old), importlib.import_module(new)
    for name in names:
        assert getattr(old_module, name) is getattr(new_module, name), f"{old}.{name}"


def test_input_errors_still_pickle_through_the_old_path():
    import pickle

    from infrakit.errors import InputError

    error = pickle.loads(pickle.dumps(InputError(["a: bad"], source="x.yaml")))
    assert isinstance(error, InputError) and error.problems == ["a: bad"] and error.source == "x.yaml"
