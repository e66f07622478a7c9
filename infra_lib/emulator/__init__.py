"""The local AWS emulator: moto's server on 127.0.0.1 plus the kit's CloudFormation models.

moto 5.2.5's CloudFormation skips resource types it has no model for (with a warning), so a
CDK stack "deploys" with its database silently missing. This package makes the emulator
behave like AWS where the kit's stack needs it:

- models that create real emulator state for ``AWS::RDS::DBCluster``, Aurora
  ``AWS::RDS::DBInstance``, ``AWS::SecretsManager::Secret``,
  ``AWS::SecretsManager::SecretTargetAttachment``, ``AWS::CertificateManager::Certificate``
  and ``AWS::EC2::SecurityGroupEgress``, regional ``AWS::EC2::NatGateway``s, and in-place
  updates for routes, log groups, DB subnet groups, load balancers and target groups, so a
  scenario change (one more AZ, a new port, longer log retention) updates a stack as on AWS
  (``models/``, one module per type, on ``models/base.py``);
- an Aurora engine version the dated catalog (``infrakit.core.catalogs.engine_catalog()``)
  marks deprecated or does not know fails the cluster with AWS's message
  "Cannot find version 15.3 for aurora-postgresql";
- a DNS-validated certificate whose domain has no hosted zone in the emulator fails at once
  (AWS would wait up to 72 hours, then fail) instead of leaving the deploy hanging;
- a resource type the emulator cannot create fails the change set, naming the type;
- a failed resource fails the stack like AWS: a ``CREATE_FAILED`` event with the reason,
  rollback of what was created, ``ROLLBACK_COMPLETE`` (``UPDATE_ROLLBACK_COMPLETE`` for
  updates, leaving the resource that failed as it was); every resource gets progress events
  the CDK CLI streams;
- a stack name is unique among live stacks (a CREATE change set for a stack left in
  REVIEW_IN_PROGRESS joins that stack); a DB cluster identifier is unique; a cluster's final
  snapshot (DeletionPolicy Snapshot, CloudFormation's default for clusters) gets a fresh name
  each time, and its automated backups go with it;
- a TemplateURL on 127.0.0.1 reads like one on localhost.

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
