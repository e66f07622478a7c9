"""The local AWS emulator: moto's server on 127.0.0.1 plus the kit's CloudFormation models.

moto 5.2.5's CloudFormation skips resource types it has no model for (with a warning), so a
CDK stack "deploys" with its database silently missing. This package makes the emulator
behave like AWS where the kit's stack needs it:

- models that create real emulator state for ``AWS::RDS::DBCluster``, Aurora
  ``AWS::RDS::DBInstance``, ``AWS::SecretsManager::Secret``,
  ``AWS::SecretsManager::SecretTargetAttachment``, ``AWS::CertificateManager::Certificate``
  and ``AWS::EC2::SecurityGroupEgress``, regional ``AWS::EC2::NatGateway``s, and an in-place
  update for ``AWS::EC2::Route`` (``models/``, one module per type, on ``models/base.py``);
- an Aurora engine version the dated catalog (``infrakit.core.catalogs.engine_catalog()``)
  marks deprecated or does not know fails the cluster with AWS's message
  "Cannot find version 15.3 for aurora-postgresql";
- a DNS-validated certificate whose domain has no hosted zone in the emulator fails at once
  (AWS would wait up to 72 hours, then fail) instead of leaving the deploy hanging;
- a resource type the emulator cannot create fails the change set, naming the type;
- a failed resource fails the stack like AWS: a ``CREATE_FAILED`` event with the reason,
  rollback of what was created, ``ROLLBACK_COMPLETE`` (``UPDATE_ROLLBACK_COMPLETE`` for
  updates); every resource gets progress events the CDK CLI streams.

The behaviour that needs moto's internals is in ``moto_patches.py`` (each patch named, listed in
``PATCHES``, applied after checking that the pinned moto is installed), ``cfn_state.py`` and
``deleters.py``. Importing this package imports neither moto nor boto3 nor the CDK: moto loads
when an emulator starts (``install_models``).
"""

from infra_lib.emulator.common import (
    CDK_ASSETS_BUCKET,
    DEFAULT_ACCOUNT_ID,
    DUMMY_CREDENTIALS,
    EmulatorError,
    MotoVersionError,
    PortInUseError,
    ResourceFailed,
    engine_version_problem,
)
from infra_lib.emulator.registry import install_models, supported_types, unsupported_types
from infra_lib.emulator.server import Emulator, port_is_free, start_emulator

__all__ = [
    "CDK_ASSETS_BUCKET",
    "DEFAULT_ACCOUNT_ID",
    "DUMMY_CREDENTIALS",
    "Emulator",
    "EmulatorError",
    "MotoVersionError",
    "PortInUseError",
    "ResourceFailed",
    "engine_version_problem",
    "install_models",
    "port_is_free",
    "start_emulator",
    "supported_types",
    "unsupported_types",
]
