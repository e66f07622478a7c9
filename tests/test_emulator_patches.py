"""The emulator's package shape: the moto version gate, the patch list, the model registry, cheap imports."""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
import tomllib

import pytest

from infra_lib.emulator import MotoVersionError, install_models, moto_patches
from tests.conftest import ROOT


def _run(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


# ------------------------------------------------------------------ the version gate


def test_pinned_moto_version_is_the_pyproject_pin_and_the_installed_one():
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    moto_pin = next(p for p in pins if p.startswith("moto["))
    assert moto_pin.split("==")[1] == moto_patches.PINNED_MOTO_VERSION
    assert moto_patches.installed_moto_version() == moto_patches.PINNED_MOTO_VERSION


def test_another_moto_version_is_refused_with_both_versions_and_what_to_do():
    with pytest.raises(MotoVersionError) as err:
        moto_patches.check_moto_version("5.3.0")
    message = str(err.value)
    assert "moto 5.3.0 is installed" in message and f"needs moto {moto_patches.PINNED_MOTO_VERSION}" in message
    assert "make setup" in message
    assert f"moto[server,cloudformation]=={moto_patches.PINNED_MOTO_VERSION}" in message
    moto_patches.check_moto_version(moto_patches.PINNED_MOTO_VERSION)  # the pin itself passes


def test_missing_moto_is_refused(monkeypatch):
    monkeypatch.setattr(moto_patches, "installed_moto_version", lambda: None)
    with pytest.raises(MotoVersionError, match="moto is not installed"):
        moto_patches.check_moto_version()


def test_starting_an_emulator_on_another_moto_fails_before_patching_anything():
    """A fresh process whose moto reports another version: start() raises the gate's message,
    and moto's CloudFormation is left exactly as moto shipped it."""
    result = _run(
        "import importlib.metadata as md\n"
        "real = md.version\n"
        "md.version = lambda name: '9.0.0' if name == 'moto' else real(name)\n"
        "from infra_lib.emulator import MotoVersionError, start_emulator\n"
        "try:\n"
        "    start_emulator()\n"
        "except MotoVersionError as exc:\n"
        "    print('refused:', exc)\n"
        "import moto.cloudformation.parsing as parsing\n"
        "print('patched' if parsing.parse_and_create_resource.__module__.startswith('infra_lib') else 'pristine')\n")
    assert result.returncode == 0, result.stderr
    assert "refused: The local AWS emulator needs moto" in result.stdout and "moto 9.0.0 is installed" in result.stdout
    assert result.stdout.strip().endswith("pristine")


def test_a_patched_attribute_moto_no_longer_has_is_named():
    patches = [("moto.cloudformation.parsing", "parse_and_create_resource", None),
               ("moto.cloudformation.models:CloudFormationBackend", "no_such_method", None)]
    assert moto_patches.missing_attributes(patches) == ["moto.cloudformation.models:CloudFormationBackend.no_such_method"]


# ------------------------------------------------------------------ the patches and the registry


def test_every_patch_is_applied_and_named():
    install_models()
    for owner, attribute, replacement in moto_patches.PATCHES:
        assert getattr(moto_patches._owner(owner), attribute) is replacement, (owner, attribute)
        assert replacement.__module__ == "infra_lib.emulator.moto_patches" and replacement.__name__ != "<lambda>"
    assert len({(owner, attribute) for owner, attribute, _ in moto_patches.PATCHES}) == len(moto_patches.PATCHES)


def test_every_model_module_registers_its_types_and_moto_sees_them():
    from moto.cloudformation import parsing

    from infra_lib.emulator import models

    install_models()
    modules = {m.name for m in pkgutil.iter_modules(models.__path__)} - {"base"}
    by_module = {}
    for cfn_type, cls in models.MODELS.items():
        assert cls.cfn_type == cfn_type and cls.cloudformation_type() == cfn_type
        assert parsing.resource_class_from_type(cfn_type) is cls
        by_module.setdefault(cls.__module__.rsplit(".", 1)[-1], []).append(cfn_type)
    assert set(by_module) == modules  # no module without a model, no model outside a module
    assert {"AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::SecretsManager::Secret",
            "AWS::SecretsManager::SecretTargetAttachment", "AWS::CertificateManager::Certificate",
            "AWS::EC2::SecurityGroupEgress", "AWS::EC2::Route", "AWS::EC2::NatGateway"} <= set(models.MODELS)


def test_two_models_of_one_type_are_refused():
    from infra_lib.emulator.models.base import REGISTRY, KitModel

    install_models()  # the kit's cluster model is registered
    with pytest.raises(TypeError, match="AWS::RDS::DBCluster"):
        type("AnotherCluster", (KitModel,), {"cfn_type": "AWS::RDS::DBCluster", "__module__": "tests.fake"})
    assert REGISTRY["AWS::RDS::DBCluster"].__name__ == "KitDBCluster"


# ------------------------------------------------------------------ imports


def test_importing_the_package_imports_no_moto_boto3_or_cdk():
    result = _run("import sys, infra_lib.emulator, infra_lib.emulator.moto_patches\n"
                  "print(sorted(m for m in ('moto', 'boto3', 'botocore', 'aws_cdk', 'jsii', 'werkzeug')"
                  " if m in sys.modules))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_old_public_names_still_import():
    emulator = importlib.import_module("infra_lib.emulator")
    for name in ("Emulator", "start_emulator", "EmulatorError", "DUMMY_CREDENTIALS", "DEFAULT_ACCOUNT_ID",
                 "CDK_ASSETS_BUCKET", "port_is_free", "engine_version_problem", "install_models",
                 "unsupported_types", "supported_types"):
        assert hasattr(emulator, name), name
    assert issubclass(emulator.PortInUseError, emulator.EmulatorError)
    assert issubclass(emulator.MotoVersionError, emulator.EmulatorError)
