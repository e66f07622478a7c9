"""The local AWS emulator: moto's server on 127.0.0.1 plus the kit's CloudFormation models.

moto 5.2.5's CloudFormation skips resource types it has no model for (with a warning), so a
CDK stack "deploys" with its database silently missing. This module makes the emulator
behave like AWS where the kit's stack needs it:

- models that create real emulator state for ``AWS::RDS::DBCluster``, Aurora
  ``AWS::RDS::DBInstance``, ``AWS::SecretsManager::Secret``,
  ``AWS::SecretsManager::SecretTargetAttachment``, ``AWS::CertificateManager::Certificate``
  and ``AWS::EC2::SecurityGroupEgress``, regional ``AWS::EC2::NatGateway``s, and an in-place
  update for ``AWS::EC2::Route``;
- an Aurora engine version the dated catalog (``infrakit.catalogs.engine_catalog()``) marks
  deprecated or does not know fails the cluster with AWS's message
  "Cannot find version 15.3 for aurora-postgresql";
- a DNS-validated certificate whose domain has no hosted zone in the emulator fails at once
  (AWS would wait up to 72 hours, then fail) instead of leaving the deploy hanging;
- a resource type the emulator cannot create fails the change set, naming the type;
- a failed resource fails the stack like AWS: a ``CREATE_FAILED`` event with the reason,
  rollback of what was created, ``ROLLBACK_COMPLETE`` (``UPDATE_ROLLBACK_COMPLETE`` for
  updates); every resource gets progress events the CDK CLI streams.

All of this patches moto internals (``moto.cloudformation.parsing`` and the CloudFormation
backend), which is why moto is pinned and tests/test_emulator.py covers each behaviour.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from typing import Any

from infrakit.errors import InfrakitError

DEFAULT_ACCOUNT_ID = "123456789012"  # moto's default account
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# CliCredentialsStackSynthesizer still publishes the template to the bootstrap bucket; on the
# emulator the kit creates that bucket instead of running `cdk bootstrap`.
CDK_ASSETS_BUCKET = "cdk-hnb659fds-assets-{account}-{region}"


class EmulatorError(InfrakitError):
    """The emulator could not start (port in use, ...); the message says what to do."""


# --------------------------------------------------------------------------- server


class Emulator:
    """moto's server in a daemon thread of this process, with the kit's models installed.

    ``endpoint_url`` uses ``localhost``: moto's CloudFormation only reads a ``TemplateURL``
    path-style (bucket in the path) when the URL says localhost, and the CDK CLI builds the
    template URL from the endpoint.
    """

    def __init__(self, *, port: int = 0, host: str = "127.0.0.1", quiet: bool = True):
        self._requested_port = port
        self.host = host
        self.quiet = quiet
        self._server = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    @property
    def endpoint_url(self) -> str:
        if self.port is None:
            raise EmulatorError("the emulator is not running; call start() first")
        return f"http://localhost:{self.port}"

    def env(self, region: str = "us-east-1") -> dict[str, str]:
        """Environment for a process (CDK CLI, notebook kernel, AWS CLI) to use this emulator."""
        return {"AWS_ENDPOINT_URL": self.endpoint_url, "AWS_REGION": region, "AWS_DEFAULT_REGION": region,
                **DUMMY_CREDENTIALS}

    def start(self) -> Emulator:
        from moto.moto_server.threaded_moto_server import MotoRequestHandler
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        install_models()
        if self.quiet:  # one log line per request drowns the CDK CLI's progress
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        app = DomainDispatcherApplication(create_backend_app)
        in_use = EmulatorError(
            f"cannot listen on {self.host}:{self._requested_port}: the port is in use (an emulator started "
            f"earlier?). Choose another with --port, or omit --port to take a free one.")
        if self._requested_port and not port_is_free(self._requested_port, self.host):
            raise in_use
        try:
            # Built here, not in the thread (as ThreadedMotoServer does), so that a port in use
            # raises in the caller instead of leaving start() waiting forever. werkzeug exits
            # the process on a busy port; that is the race after the check above.
            self._server = make_server(self.host, self._requested_port, app, True,
                                       request_handler=MotoRequestHandler)
        except (OSError, SystemExit) as exc:
            raise in_use from exc
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"moto-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and forget every resource: moto keeps its state per process, so without
        the reset the next emulator started in this process (a notebook, a long-lived caller)
        would begin with this one's stacks."""
        if self._server is not None:
            from moto.moto_api import _internal

            _internal.moto_api_backend.reset()
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def reset(self) -> None:
        """Forget every resource (moto's global state), e.g. between tests."""
        import urllib.request

        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=30):
            pass

    def add_hosted_zone(self, name: str, zone_id: str, *, account_id: str = DEFAULT_ACCOUNT_ID) -> str:
        """A public hosted zone with a chosen ID (Route 53's API cannot choose one), so a
        scenario's ``hosted_zone_id`` can name it. In-process emulators only."""
        from moto.route53.models import route53_backends

        backend = route53_backends[account_id]["aws"]
        created = backend.create_hosted_zone(name, private_zone=False, caller_reference=f"infrakit-{zone_id}")
        backend.zones.pop(created.resource_id)
        created.resource_id = zone_id
        backend.zones[zone_id] = created
        return zone_id

    def __enter__(self) -> Emulator:
        return self.start() if self._server is None else self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def start_emulator(*, port: int = 0, quiet: bool = True) -> Emulator:
    """Start an emulator on 127.0.0.1 (``port=0``: a free port) and return it."""
    return Emulator(port=port, quiet=quiet).start()


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


# --------------------------------------------------------------------------- helpers

_DYNAMIC_SECRET_REF = re.compile(
    r"\{\{resolve:secretsmanager:(?P<id>arn:[^:]+:secretsmanager:[^:]+:\d+:secret:[^:]+|[^:}]+)"
    r"(?::SecretString)?(?::(?P<key>[^:}]*))?(?::[^:}]*)?(?::[^:}]*)?\}\}")


def _resolve_secret_refs(value: Any, account_id: str, region_name: str) -> Any:
    """Resolve ``{{resolve:secretsmanager:...}}`` as CloudFormation does (moto does not)."""
    if not isinstance(value, str) or "{{resolve:secretsmanager:" not in value:
        return value
    from moto.secretsmanager.models import secretsmanager_backends

    backend = secretsmanager_backends[account_id][region_name]

    def lookup(match: re.Match) -> str:
        secret = backend.get_secret_value(match["id"], None, None)
        text = secret["SecretString"]
        return str(json.loads(text)[match["key"]]) if match["key"] else text

    return _DYNAMIC_SECRET_REF.sub(lookup, value)


def _physical_name(resource_name: str, max_len: int = 63) -> str:
    """A lowercase identifier RDS accepts, from moto's generated ``stack-logical-suffix`` name."""
    name = re.sub(r"[^a-z0-9-]", "", resource_name.lower()).strip("-")
    name = re.sub(r"-{2,}", "-", name)[:max_len].rstrip("-")
    return name if name[:1].isalpha() else f"r{name}"[:max_len]


def engine_version_problem(engine: str, version: str | None) -> str | None:
    """AWS's message when RDS cannot create ``engine`` at ``version``, judged by the dated catalog."""
    from infrakit.catalogs import engine_catalog

    catalog = engine_catalog()
    if engine != catalog.engine or version is None:
        return None
    if catalog.is_creatable(str(version)):
        return None
    return f"Cannot find version {version} for {engine}"


# --------------------------------------------------------------------------- models
# Defined inside a function so that importing this module never imports moto (and its
# backends) until an emulator is really wanted.

_KIT_MODELS: dict[str, type] = {}
_INSTALLED = False
_INSTALL_LOCK = threading.Lock()
# Types that are metadata only: nothing to create.
_NO_OP_TYPES = ("AWS::CDK::Metadata",)


class ResourceFailed(Exception):
    """A resource of a stack failed; carries what the stack event reports."""

    def __init__(self, logical_id: str, resource_type: str, reason: str):
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.reason = reason
        super().__init__(f"{logical_id} ({resource_type}): {reason}")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ResourceFailed):
        return exc.reason
    message = getattr(exc, "message", None) or getattr(exc, "description", None) or str(exc)
    code = getattr(exc, "error_type", None) or getattr(exc, "code", None)
    if isinstance(exc, KeyError):
        message = f"missing {exc}"
    text = re.sub(r"\s+", " ", str(message)).strip()
    return f"{text} ({code})" if isinstance(code, str) and code and code not in text else text


def _build_models() -> dict[str, type]:
    from moto.acm.models import acm_backends
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.core.common_models import CloudFormationModel
    from moto.ec2.models import ec2_backends
    from moto.core.utils import utcnow
    from moto.ec2.models.nat_gateways import NatGateway
    from moto.ec2.models.route_tables import Route
    from moto.ec2.utils import random_nat_gateway_id, random_private_ip
    from moto.rds.exceptions import RDSClientError
    from moto.rds.models import DBInstance as MotoDBInstance
    from moto.rds.models import rds_backends
    from moto.route53.models import route53_backends
    from moto.secretsmanager.models import secretsmanager_backends
    from moto.utilities.utils import get_partition

    class KitModel(CloudFormationModel):
        """Common plumbing; the subclasses are registered by type, not via __subclasses__."""

        cfn_type = ""
        attributes: tuple[str, ...] = ()

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in cls.attributes

        def is_created(self) -> bool:
            return True

    class KitDBCluster(KitModel):
        cfn_type = "AWS::RDS::DBCluster"
        attributes = ("Endpoint.Address", "Endpoint.Port", "ReadEndpoint.Address", "DBClusterArn",
                      "DBClusterResourceId", "MasterUserSecret.SecretArn")

        def __init__(self, cluster, account_id: str, region_name: str):
            self.cluster = cluster
            self.account_id = account_id
            self.region_name = region_name

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::RDS::DBCluster"

        @property
        def physical_resource_id(self) -> str:
            return self.cluster.db_cluster_identifier

        @staticmethod
        def _kwargs(identifier: str, props: dict, account_id: str, region_name: str) -> dict[str, Any]:
            engine = props["Engine"]
            version = props.get("EngineVersion")
            if problem := engine_version_problem(engine, version):
                # RDS's wording and error code, so the stack event reads like AWS's.
                raise RDSClientError("InvalidParameterCombination", problem)
            password = _resolve_secret_refs(props.get("MasterUserPassword"), account_id, region_name)
            return {
                "db_cluster_identifier": identifier,
                "engine": engine,
                "engine_version": version,
                "engine_mode": props.get("EngineMode", "provisioned"),
                "database_name": props.get("DatabaseName"),
                "master_username": props.get("MasterUsername"),
                "master_user_password": password,
                "manage_master_user_password": props.get("ManageMasterUserPassword", False),
                "port": props.get("Port"),
                "backup_retention_period": props.get("BackupRetentionPeriod", 1),
                "copy_tags_to_snapshot": props.get("CopyTagsToSnapshot", False),
                "db_cluster_parameter_group_name": props.get("DBClusterParameterGroupName"),
                "db_subnet_group_name": props.get("DBSubnetGroupName"),
                "vpc_security_group_ids": props.get("VpcSecurityGroupIds", []),
                "storage_encrypted": props.get("StorageEncrypted", False),
                "storage_type": props.get("StorageType", "aurora"),
                "allocated_storage": 1,  # what Aurora reports; moto has no default for "aurora" storage
                "deletion_protection": props.get("DeletionProtection", False),
                "enable_cloudwatch_logs_exports": props.get("EnableCloudwatchLogsExports", []),
                "enable_iam_database_authentication": props.get("EnableIAMDatabaseAuthentication", False),
                "kms_key_id": props.get("KmsKeyId"),
                "tags": props.get("Tags", []),
            }

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                            **kwargs):
            props = cloudformation_json["Properties"]
            identifier = (props.get("DBClusterIdentifier") or _physical_name(resource_name)).lower()
            backend = rds_backends[account_id][region_name]
            cluster = backend.create_db_cluster(cls._kwargs(identifier, props, account_id, region_name))
            cluster.status = "available"
            return cls(cluster, account_id, region_name)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                            account_id, region_name):
            props = cloudformation_json["Properties"]
            cluster = original_resource.cluster
            new_id = (props.get("DBClusterIdentifier") or cluster.db_cluster_identifier).lower()
            if new_id != cluster.db_cluster_identifier or props["Engine"] != cluster.engine:
                raise RDSClientError("InvalidParameterCombination",
                                     "the emulator cannot replace a DB cluster (new identifier or engine); "
                                     "destroy the stack and deploy again")
            version = props.get("EngineVersion")
            if problem := engine_version_problem(props["Engine"], version):
                raise RDSClientError("InvalidParameterCombination", problem)
            if version:
                cluster.engine_version = version
            cluster.backup_retention_period = props.get("BackupRetentionPeriod", cluster.backup_retention_period)
            cluster.deletion_protection = props.get("DeletionProtection", False)
            return original_resource

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            rds_backends[account_id][region_name].delete_db_cluster(resource_name)

        def delete(self, account_id: str, region_name: str) -> None:
            rds_backends[account_id][region_name].delete_db_cluster(self.cluster.db_cluster_identifier)

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            cluster = self.cluster
            values = {
                "Endpoint.Address": cluster.endpoint,
                "Endpoint.Port": str(cluster.port),
                "ReadEndpoint.Address": cluster.reader_endpoint,
                "DBClusterArn": cluster.db_cluster_arn,
                "DBClusterResourceId": cluster.resource_id,
            }
            if attribute_name not in values:
                raise UnformattedGetAttTemplateException()
            return values[attribute_name]

    class KitDBInstance(KitModel):
        """Aurora instances join their cluster (engine and version from it, as RDS does);
        any other DB instance goes to moto's own model."""

        cfn_type = "AWS::RDS::DBInstance"
        attributes = ("Endpoint.Address", "Endpoint.Port", "DBInstanceArn")

        def __init__(self, instance):
            self.instance = instance

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::RDS::DBInstance"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in cls.attributes

        @property
        def physical_resource_id(self) -> str:
            return self.instance.db_instance_identifier

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                            **kwargs):
            props = cloudformation_json["Properties"]
            cluster_id = props.get("DBClusterIdentifier")
            if not cluster_id:
                return MotoDBInstance.create_from_cloudformation_json(
                    resource_name, cloudformation_json, account_id, region_name, **kwargs)
            backend = rds_backends[account_id][region_name]
            cluster = backend.clusters.get(str(cluster_id).lower())
            if cluster is None:
                raise RDSClientError("DBClusterNotFoundFault", f"DBCluster {cluster_id} not found.")
            engine = props.get("Engine", cluster.engine)
            if engine != cluster.engine:
                raise RDSClientError("InvalidParameterCombination",
                                     f"The engine name requested for your DB instance ({engine}) doesn't match "
                                     f"the engine name of your DB cluster ({cluster.engine}).")
            identifier = (props.get("DBInstanceIdentifier") or _physical_name(resource_name)).lower()
            instance = backend.create_db_instance({
                "db_instance_identifier": identifier,
                "db_instance_class": props["DBInstanceClass"],
                "engine": engine,
                "engine_version": cluster.engine_version,
                "db_cluster_identifier": cluster.db_cluster_identifier,
                "availability_zone": props.get("AvailabilityZone"),
                "promotion_tier": props.get("PromotionTier", 1),
                "publicly_accessible": props.get("PubliclyAccessible", False),
                "db_parameter_group_name": props.get("DBParameterGroupName"),
                "tags": props.get("Tags", []),
            })
            instance.status = "available"
            return cls(instance)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                            account_id, region_name):
            props = cloudformation_json["Properties"]
            if isinstance(original_resource, MotoDBInstance):  # not Aurora: moto's own update
                return MotoDBInstance.update_from_cloudformation_json(
                    original_resource, new_resource_name, cloudformation_json, account_id, region_name)
            instance = original_resource.instance
            backend = rds_backends[account_id][region_name]
            backend.modify_db_instance(instance.db_instance_identifier,
                                       {"db_instance_class": props["DBInstanceClass"]})
            return original_resource

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            rds_backends[account_id][region_name].delete_db_instance(resource_name, skip_final_snapshot=True)

        def delete(self, account_id: str, region_name: str) -> None:
            rds_backends[account_id][region_name].delete_db_instance(
                self.instance.db_instance_identifier, skip_final_snapshot=True)

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            if attribute_name == "Endpoint.Address":
                return self.instance.address
            if attribute_name == "Endpoint.Port":
                return str(self.instance.port)
            if attribute_name == "DBInstanceArn":
                return self.instance.db_instance_arn
            raise UnformattedGetAttTemplateException()

    class KitSecret(KitModel):
        cfn_type = "AWS::SecretsManager::Secret"
        attributes = ("Id",)

        def __init__(self, arn: str, name: str):
            self.arn = arn
            self.name = name

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SecretsManager::Secret"

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        @staticmethod
        def _secret_string(props: dict, backend) -> str | None:
            generate = props.get("GenerateSecretString")
            if not generate:
                return props.get("SecretString")
            password = backend.get_random_password(
                password_length=int(generate.get("PasswordLength", 32)),
                exclude_characters=generate.get("ExcludeCharacters", ""),
                exclude_numbers=bool(generate.get("ExcludeNumbers", False)),
                exclude_punctuation=bool(generate.get("ExcludePunctuation", False)),
                exclude_uppercase=bool(generate.get("ExcludeUppercase", False)),
                exclude_lowercase=bool(generate.get("ExcludeLowercase", False)),
                include_space=bool(generate.get("IncludeSpace", False)),
                require_each_included_type=bool(generate.get("RequireEachIncludedType", True)),
            )
            password = json.loads(password)["RandomPassword"] if password.startswith("{") else password
            template, key = generate.get("SecretStringTemplate"), generate.get("GenerateStringKey")
            if template and key:
                return json.dumps({**json.loads(template), key: password})
            return password

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                            **kwargs):
            props = cloudformation_json["Properties"]
            backend = secretsmanager_backends[account_id][region_name]
            name = props.get("Name") or resource_name
            created = json.loads(backend.create_secret(
                name=name, secret_string=cls._secret_string(props, backend), secret_binary=None,
                description=props.get("Description"), tags=props.get("Tags", []), kms_key_id=props.get("KmsKeyId"),
                client_request_token=None, replica_regions=[], force_overwrite=False))
            return cls(created["ARN"], created["Name"])

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                            account_id, region_name):
            props = cloudformation_json["Properties"]
            backend = secretsmanager_backends[account_id][region_name]
            if props.get("Name", original_resource.name) != original_resource.name:
                raise ValueError("the emulator cannot rename a secret; destroy the stack and deploy again")
            backend.secrets[original_resource.arn].description = props.get("Description")
            return original_resource

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            secretsmanager_backends[account_id][region_name].delete_secret(resource_name, None, True)

        def delete(self, account_id: str, region_name: str) -> None:
            secretsmanager_backends[account_id][region_name].delete_secret(self.arn, None, True)

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            if attribute_name == "Id":
                return self.arn
            raise UnformattedGetAttTemplateException()

    class KitSecretTargetAttachment(KitModel):
        """Adds the cluster's connection details to the secret, as AWS does; Ref is the secret ARN."""

        cfn_type = "AWS::SecretsManager::SecretTargetAttachment"

        def __init__(self, secret_arn: str, target_id: str):
            self.secret_arn = secret_arn
            self.target_id = target_id

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SecretsManager::SecretTargetAttachment"

        @property
        def physical_resource_id(self) -> str:
            return self.secret_arn

        @classmethod
        def _attach(cls, props: dict, account_id: str, region_name: str) -> KitSecretTargetAttachment:
            secrets = secretsmanager_backends[account_id][region_name]
            target_type, target_id = props["TargetType"], str(props["TargetId"])
            if target_type == "AWS::RDS::DBCluster":
                target = rds_backends[account_id][region_name].describe_db_clusters(target_id)[0]
                details = {"engine": "postgres" if "postgres" in target.engine else target.engine.split("-")[-1],
                           "host": target.endpoint, "port": target.port,
                           "dbClusterIdentifier": target.db_cluster_identifier}
            elif target_type == "AWS::RDS::DBInstance":
                target = rds_backends[account_id][region_name].describe_db_instances(target_id)[0]
                details = {"engine": target.engine, "host": target.address, "port": target.port,
                           "dbInstanceIdentifier": target.db_instance_identifier}
            else:
                raise ValueError(f"TargetType {target_type} is not one the emulator can attach "
                                 f"(AWS::RDS::DBCluster, AWS::RDS::DBInstance)")
            current = secrets.get_secret_value(props["SecretId"], None, None)
            value = {**json.loads(current["SecretString"]), **details}
            secrets.put_secret_value(props["SecretId"], json.dumps(value), None, None, ["AWSCURRENT"])
            return cls(current["ARN"], target_id)

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                            **kwargs):
            return cls._attach(cloudformation_json["Properties"], account_id, region_name)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                            account_id, region_name):
            return cls._attach(cloudformation_json["Properties"], account_id, region_name)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            return None  # the secret keeps its last value, as on AWS

        def delete(self, account_id: str, region_name: str) -> None:
            return None

    class KitCertificate(KitModel):
        """Issued at once when every domain validates through a hosted zone the emulator has;
        otherwise fails at once with what AWS would eventually say (no hang)."""

        cfn_type = "AWS::CertificateManager::Certificate"

        def __init__(self, arn: str):
            self.arn = arn

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CertificateManager::Certificate"

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        @staticmethod
        def validation_problem(props: dict, account_id: str, region_name: str) -> str | None:
            domain = props["DomainName"]
            method = props.get("ValidationMethod", "EMAIL")
            if method != "DNS":
                return (f"Certificate for {domain} uses {method} validation, which needs someone to approve an "
                        f"email; the emulator cannot, and AWS would wait up to 72 hours before failing. "
                        f"Use DNS validation with a hosted zone, or an existing certificate_arn.")
            zones = route53_backends[account_id][get_partition(region_name)]
            options = {o.get("DomainName"): o for o in props.get("DomainValidationOptions", [])}
            for name in [domain, *props.get("SubjectAlternativeNames", [])]:
                option = options.get(name) or {}
                zone_id = option.get("HostedZoneId")
                zone = None
                if zone_id:
                    zone = zones.zones.get(str(zone_id).replace("/hostedzone/", ""))
                if zone is None or zone.private_zone or not (
                        name.rstrip(".") + ".").endswith("." + zone.name.rstrip(".") + ".") and \
                        name.rstrip(".") != zone.name.rstrip("."):
                    where = f"hosted zone {zone_id}" if zone_id else "no HostedZoneId"
                    return (f"Certificate for {name} never validates: DNS validation needs its CNAME record in "
                            f"a public Route 53 hosted zone that covers {name}, and the emulator has no such "
                            f"zone ({where}). On AWS this resource waits up to 72 hours in CREATE_IN_PROGRESS "
                            f"and then fails. Use a domain whose hosted zone you own (create it first), or "
                            f"set certificate_arn to an issued certificate.")
            return None

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                            **kwargs):
            props = cloudformation_json["Properties"]
            if problem := cls.validation_problem(props, account_id, region_name):
                raise ValueError(problem)
            backend = acm_backends[account_id][region_name]
            arn = backend.request_certificate(props["DomainName"], None, props.get("SubjectAlternativeNames", []),
                                              props.get("Tags", []))
            backend.get_certificate(arn).status = "ISSUED"
            return cls(arn)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            acm_backends[account_id][region_name].delete_certificate(resource_name)

        def delete(self, account_id: str, region_name: str) -> None:
            acm_backends[account_id][region_name].delete_certificate(self.arn)

    class KitSecurityGroupEgress(KitModel):
        cfn_type = "AWS::EC2::SecurityGroupEgress"

        def __init__(self, rule: dict[str, Any]):
            self.rule = rule
            self.id = f"sgr-{abs(hash(json.dumps(rule, sort_keys=True))) % 10**17:017x}"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::EC2::SecurityGroupEgress"

        @property
        def physical_resource_id(self) -> str:
            return self.id

        @staticmethod
        def _rule(props: dict) -> dict[str, Any]:
            destination = props.get("DestinationSecurityGroupId")
            return {
                "group_name_or_id": props["GroupId"],
                "ip_protocol": str(props["IpProtocol"]),
                "from_port": props.get("FromPort"),
                "to_port": props.get("ToPort"),
                "ip_ranges": [{"CidrIp": props["CidrIp"], "Description": props.get("Description")}]
                if props.get("CidrIp") else [],
                "source_groups": [{"GroupId": destination}] if destination else [],
            }

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                            **kwargs):
            rule = cls._rule(cloudformation_json["Properties"])
            ec2_backends[account_id][region_name].authorize_security_group_egress(**rule)
            return cls(rule)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            return None

        def delete(self, account_id: str, region_name: str) -> None:
            backend = ec2_backends[account_id][region_name]
            if backend.get_security_group_by_name_or_id(self.rule["group_name_or_id"]) is None:
                return  # the rule went with its security group
            backend.revoke_security_group_egress(**self.rule)

    class KitRoute(Route):
        """moto's Route, plus the in-place update CloudFormation does (ReplaceRoute) and delete."""

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                            account_id, region_name):
            props = cloudformation_json["Properties"]
            backend = ec2_backends[account_id][region_name]
            if (props["RouteTableId"] != original_resource.route_table.id
                    or props.get("DestinationCidrBlock") != original_resource.destination_cidr_block):
                original_resource.delete(account_id, region_name)
                return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id,
                                                           region_name)
            return backend.replace_route(
                props["RouteTableId"], props.get("DestinationCidrBlock"),
                nat_gateway_id=props.get("NatGatewayId"), gateway_id=props.get("GatewayId"),
                instance_id=props.get("InstanceId"), interface_id=props.get("NetworkInterfaceId"),
                egress_only_igw_id=props.get("EgressOnlyInternetGatewayId"),
                transit_gateway_id=props.get("TransitGatewayId"),
                vpc_peering_connection_id=props.get("VpcPeeringConnectionId"))

    class KitNatGateway(NatGateway):
        """moto's NAT gateway, plus the regional availability mode (VPC-wide, no subnet, AWS
        manages its addresses), which moto 5.2.5 fails on ("missing 'SubnetId'")."""

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                            **kwargs):
            props = cloudformation_json["Properties"]
            if props.get("AvailabilityMode", "zonal") != "regional":
                return NatGateway.create_from_cloudformation_json(resource_name, cloudformation_json, account_id,
                                                                  region_name, **kwargs)
            backend = ec2_backends[account_id][region_name]
            backend.get_vpc(props["VpcId"])  # InvalidVpcID.NotFound, as AWS
            nat = cls.__new__(cls)  # not __init__: that needs a subnet
            nat.id = random_nat_gateway_id()
            nat.subnet_id = None
            nat.vpc_id = props["VpcId"]
            nat.address_set = []
            nat.state = "available"
            nat.private_ip = random_private_ip()
            nat.connectivity_type = props.get("ConnectivityType", "public")
            nat.availability_mode = "regional"
            nat._created_at = utcnow()
            nat.ec2_backend = backend
            nat.add_tags({t["Key"]: t["Value"] for t in props.get("Tags", [])})
            backend.nat_gateways[nat.id] = nat
            return nat

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "NatGatewayId"

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            if attribute_name == "NatGatewayId":
                return self.id
            raise UnformattedGetAttTemplateException()

    if not hasattr(Route, "delete"):
        def _delete_route(self, account_id: str, region_name: str) -> None:
            ec2_backends[account_id][region_name].delete_route(self.route_table.id, self.destination_cidr_block)
        KitRoute.delete = _delete_route

    models = [KitDBCluster, KitDBInstance, KitSecret, KitSecretTargetAttachment, KitCertificate,
              KitSecurityGroupEgress]
    registry = {m.cfn_type: m for m in models}
    registry["AWS::EC2::Route"] = KitRoute
    registry["AWS::EC2::NatGateway"] = KitNatGateway
    return registry


# --------------------------------------------------------------------------- deleters
# moto has no CloudFormation delete for several EC2/ELBv2/ECS/Logs types; without these a
# destroyed stack would leave NAT gateways, Elastic IPs and load balancers in the emulator.

def _fallback_delete(resource: Any, resource_type: str, account_id: str, region_name: str) -> bool:
    from moto.ec2.models import ec2_backends

    ec2 = ec2_backends[account_id][region_name]
    rid = getattr(resource, "physical_resource_id", None)
    if resource_type == "AWS::EC2::NatGateway":
        ec2.delete_nat_gateway(resource.id)
        ec2.nat_gateways.pop(resource.id, None)  # moto keeps deleted NATs; AWS stops listing them
    elif resource_type == "AWS::EC2::EIP":
        if resource.allocation_id:
            ec2.release_address(allocation_id=resource.allocation_id)
    elif resource_type == "AWS::EC2::SubnetRouteTableAssociation":
        table = ec2.route_tables.get(resource.route_table_id)
        for association_id, subnet_id in list(getattr(table, "_associations", {}).items()):
            if subnet_id == resource.subnet_id:
                ec2.disassociate_route_table(association_id)
    elif resource_type == "AWS::EC2::RouteTable":
        ec2.delete_route_table(resource.id)
    elif resource_type == "AWS::EC2::VPCGatewayAttachment":
        ec2.detach_internet_gateway(resource.gateway_id, resource.vpc_id)
    elif resource_type == "AWS::EC2::InternetGateway":
        ec2.delete_internet_gateway(resource.id)
    elif resource_type == "AWS::EC2::SecurityGroupIngress":
        return True  # the rule goes with its security group
    elif resource_type.startswith("AWS::ElasticLoadBalancingV2::"):
        from moto.elbv2.models import elbv2_backends

        elbv2 = elbv2_backends[account_id][region_name]
        if resource_type.endswith("::LoadBalancer"):
            elbv2.delete_load_balancer(resource.arn)
        elif resource_type.endswith("::TargetGroup"):
            elbv2.delete_target_group(resource.arn)
        elif resource_type.endswith("::Listener"):
            elbv2.delete_listener(resource.arn)
        else:
            return False
    elif resource_type.startswith("AWS::ECS::"):
        from moto.ecs.models import ecs_backends

        ecs = ecs_backends[account_id][region_name]
        if resource_type.endswith("::Service"):
            ecs.delete_service(resource.cluster_name, resource.name, force=True)
        elif resource_type.endswith("::Cluster"):
            ecs.delete_cluster(resource.name)
        elif resource_type.endswith("::TaskDefinition"):
            ecs.deregister_task_definition(resource.arn)
        else:
            return False
    elif resource_type == "AWS::Logs::LogGroup":
        from moto.logs.models import logs_backends

        logs_backends[account_id][region_name].delete_log_group(resource.name)
    elif resource_type == "AWS::RDS::DBSubnetGroup":
        from moto.rds.models import rds_backends

        rds_backends[account_id][region_name].delete_db_subnet_group(resource.subnet_name)
    else:
        return rid is None
    return True


# --------------------------------------------------------------------------- patches

def supported_types() -> set[str]:
    """Resource types the emulator can create (moto's models and the kit's)."""
    from moto.cloudformation import parsing

    install_models()
    return set(parsing.get_model_map()) | set(_KIT_MODELS) | set(_NO_OP_TYPES) | set(parsing.NULL_MODELS)


def unsupported_types(template: dict[str, Any]) -> list[str]:
    """Types in ``template`` the emulator cannot create (``Custom::*`` needs a Lambda runtime)."""
    known = supported_types()
    found = {r.get("Type", "?") for r in (template.get("Resources") or {}).values()}
    return sorted(t for t in found if t not in known)


def _unsupported_message(types: list[str]) -> str:
    import moto

    return (f"Template error: the local emulator cannot create resource type(s) {', '.join(types)} "
            f"(no model in moto {moto.__version__} or infra_lib.emulator; Custom:: resources need a Lambda "
            f"runtime the emulator does not have). Deploy with --target aws, or add a model in "
            f"infra_lib/emulator.py.")


def install_models() -> None:
    """Register the kit's models and AWS-like failure handling in moto (idempotent)."""
    global _INSTALLED
    with _INSTALL_LOCK:
        if _INSTALLED:
            return
        _KIT_MODELS.update(_build_models())
        _patch_moto()
        _INSTALLED = True


def _patch_moto() -> None:
    from moto.cloudformation import models as cfn_models
    from moto.cloudformation import parsing
    from moto.cloudformation.exceptions import CloudFormationError, ValidationError

    moto_class_from_type = parsing.resource_class_from_type
    original_create = parsing.parse_and_create_resource
    original_update = parsing.parse_and_update_resource

    def resource_class_from_type(resource_type: str):
        if resource_type in _KIT_MODELS:
            return _KIT_MODELS[resource_type]
        if resource_type in _NO_OP_TYPES:
            return None
        return moto_class_from_type(resource_type)

    parsing.resource_class_from_type = resource_class_from_type

    def stack_of(resources_map) -> Any:
        backend = cfn_models.cloudformation_backends[resources_map._account_id][resources_map._region_name]
        return backend.stacks.get(resources_map.stack_id)

    def resource_event(stack, logical_id: str, resource_type: str, status: str, reason: str | None = None,
                       physical_id: str | None = None) -> None:
        if stack is None:
            return
        stack.events.append(cfn_models.Event(
            stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
            physical_resource_id=physical_id or "", resource_type=resource_type, resource_status=status,
            resource_status_reason=reason, resource_properties=None))

    def physical_id_of(resource: Any) -> str:
        value = getattr(resource, "physical_resource_id", None)
        return str(value) if value is not None else ""

    def parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name):
        condition = resource_json.get("Condition")
        if condition and not resources_map.lazy_condition_map[condition]:
            return None
        resource_type = resource_json["Type"]
        if resource_type in _NO_OP_TYPES:
            return None
        stack = stack_of(resources_map)
        resource_event(stack, logical_id, resource_type, "CREATE_IN_PROGRESS")
        try:
            resource = original_create(logical_id, resource_json, resources_map, account_id, region_name)
        except ResourceFailed:
            raise  # a resource this one refers to failed; that one is the cause
        except Exception as exc:
            reason = _reason(exc)
            resource_event(stack, logical_id, resource_type, "CREATE_FAILED", reason)
            raise ResourceFailed(logical_id, resource_type, reason) from exc
        if resource is None:  # moto skipped it: never silently
            reason = _unsupported_message([resource_type])
            resource_event(stack, logical_id, resource_type, "CREATE_FAILED", reason)
            raise ResourceFailed(logical_id, resource_type, reason)
        resource_event(stack, logical_id, resource_type, "CREATE_COMPLETE", physical_id=physical_id_of(resource))
        return resource

    parsing.parse_and_create_resource = parse_and_create_resource

    def parse_and_update_resource(logical_id, resource_json, resources_map, account_id, region_name):
        resource_type = resource_json["Type"]
        stack = stack_of(resources_map)
        original = resources_map._parsed_resources.get(logical_id)
        resource_event(stack, logical_id, resource_type, "UPDATE_IN_PROGRESS", physical_id=physical_id_of(original))
        resource_class = resource_class_from_type(resource_type)
        try:
            if resource_class is None or hasattr(resource_class.update_from_cloudformation_json,
                                                 "__isabstractmethod__"):
                # moto would drop the resource from the stack (it stores None); say so instead.
                raise ValueError(f"the local emulator cannot update {resource_type} in place (no update "
                                 f"model); destroy the stack and deploy again, or deploy with --target aws")
            resource = original_update(logical_id, resource_json, resources_map, account_id, region_name)
        except ResourceFailed:
            raise
        except Exception as exc:
            reason = _reason(exc)
            resource_event(stack, logical_id, resource_type, "UPDATE_FAILED", reason)
            raise ResourceFailed(logical_id, resource_type, reason) from exc
        resource_event(stack, logical_id, resource_type, "UPDATE_COMPLETE", physical_id=physical_id_of(resource))
        return resource

    parsing.parse_and_update_resource = parse_and_update_resource

    original_delete_resource = parsing.ResourceMap._delete_resource

    def _delete_resource(self, parsed_resource, resource_json):
        stack = stack_of(self)
        logical_id = getattr(parsed_resource, "logical_resource_id", "?")
        resource_type = resource_json.get("Type", "?")
        physical = physical_id_of(parsed_resource)
        resource_event(stack, logical_id, resource_type, "DELETE_IN_PROGRESS", physical_id=physical)
        try:
            if not _fallback_delete_applies(parsed_resource, resource_type):
                original_delete_resource(self, parsed_resource, resource_json)
            else:
                _fallback_delete(parsed_resource, resource_type, self._account_id, self._region_name)
        except Exception as exc:
            # Already gone with its parent (a listener with its load balancer): deleted, as on
            # AWS. Anything else is retried by moto in a later pass (dependency order).
            if not _is_not_found(exc):
                raise
        resource_event(stack, logical_id, resource_type, "DELETE_COMPLETE", physical_id=physical)

    parsing.ResourceMap._delete_resource = _delete_resource

    # -- whole-stack operations: fail like AWS (events, rollback, final status), never a 500.

    def check_types(template_body: str | None) -> None:
        if not template_body:
            return
        template = cfn_models.Stack.parse_template(template_body)
        if isinstance(template, dict) and (missing := unsupported_types(template)):
            raise ValidationError(message=_unsupported_message(missing))

    backend_cls = cfn_models.CloudFormationBackend
    original_create_change_set = backend_cls.create_change_set
    original_create_stack = backend_cls.create_stack

    def create_change_set(self, stack_name, change_set_name, template, *args, **kwargs):
        check_types(template)
        return original_create_change_set(self, stack_name, change_set_name, template, *args, **kwargs)

    def create_stack(self, name, template, *args, **kwargs):
        check_types(template)
        return original_create_stack(self, name, template, *args, **kwargs)

    backend_cls.create_change_set = create_change_set

    class ChangeSetNotFound(CloudFormationError):
        code = "ChangeSetNotFound"
        status_code = 404  # what the CDK CLI waits for after deleting its old change set

    def find_change_set(self, name_or_arn, stack_name=None):
        if name_or_arn in self.change_sets:
            return self.change_sets[name_or_arn]
        # A name is unique per stack only (the CDK CLI reuses "cdk-deploy-change-set"): only
        # change sets of live stacks count (AWS deletes them with their stack), newest first.
        found = [cs for cs in self.change_sets.values() if cs.change_set_name == name_or_arn
                 and cs.stack_id in self.stacks
                 and stack_name in (None, cs.stack_id, self.stacks[cs.stack_id].name)]
        return max(found, key=lambda cs: cs.creation_time) if found else None

    def describe_change_set(self, change_set_name, stack_name=None):
        if (found := find_change_set(self, change_set_name, stack_name)) is None:
            raise ChangeSetNotFound(f"ChangeSet [{change_set_name}] does not exist")
        return found

    def delete_change_set(self, change_set_name, stack_name=None):
        # AWS deletes a change set that is not there without complaint; moto raised UnboundLocalError.
        if (found := find_change_set(self, change_set_name, stack_name)) is not None:
            del self.change_sets[found.change_set_id]

    backend_cls.describe_change_set = describe_change_set
    backend_cls.delete_change_set = delete_change_set

    # moto's handlers drop StackName, so with two stacks the CLI's shared change-set name
    # ("cdk-deploy-change-set") found the other stack's: the CLI deleted the wrong one and then
    # waited forever for its own to disappear. Pass the stack through, as AWS scopes it.
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult, EmptyResult

    def describe_change_set_response(self):
        change_set = self.cloudformation_backend.describe_change_set(
            change_set_name=self._get_param("ChangeSetName"), stack_name=self._get_param("StackName"))
        return ActionResult(change_set)

    def delete_change_set_response(self):
        self.cloudformation_backend.delete_change_set(
            change_set_name=self._get_param("ChangeSetName"), stack_name=self._get_param("StackName"))
        return EmptyResult()

    CloudFormationResponse.describe_change_set = describe_change_set_response
    CloudFormationResponse.delete_change_set = delete_change_set_response
    backend_cls.create_stack = create_stack

    def failed_ids(exc: BaseException) -> str:
        return exc.logical_id if isinstance(exc, ResourceFailed) else "?"

    def forget_resources(stack) -> None:
        # moto's resource map is lazy: reading outputs or resources of a failed stack would
        # create the failed resources again. A rolled-back stack has none, and no outputs.
        stack.resource_map._resource_json_map = {}
        stack.output_map = cfn_models.OutputMap(stack.resource_map, {}, stack.stack_id)

    def roll_back_create(stack, exc: BaseException) -> None:
        stack.output_map = cfn_models.OutputMap(stack.resource_map, {}, stack.stack_id)
        stack.status = "ROLLBACK_IN_PROGRESS"
        stack._add_stack_event("ROLLBACK_IN_PROGRESS",
                               f"The following resource(s) failed to create: [{failed_ids(exc)}]. "
                               f"Rollback requested by user.")
        try:
            stack.resource_map.delete()
        except Exception as delete_exc:  # noqa: BLE001  (reported as the stack's status)
            stack.status = "ROLLBACK_FAILED"
            stack._add_stack_event("ROLLBACK_FAILED", f"Rollback could not delete every resource: "
                                                      f"{_reason(delete_exc)}")
            return
        forget_resources(stack)
        stack.status = "ROLLBACK_COMPLETE"
        stack._add_stack_event("ROLLBACK_COMPLETE")

    def execute_change_set(self, change_set_name, stack_name=None):
        change_set = find_change_set(self, change_set_name, stack_name)
        if change_set is None:
            raise ValidationError(stack_name)
        stack = self.stacks[change_set.stack_id]
        kind = change_set.change_set_type  # CREATE | UPDATE
        previous_template = stack.template
        previous_dict = getattr(stack, "template_dict", {}) or {}
        stack.status = f"{kind}_IN_PROGRESS"
        stack._add_stack_event(f"{kind}_IN_PROGRESS", "User Initiated")
        change_set.execution_status = "EXECUTE_IN_PROGRESS"
        try:
            change_set.apply()
        except Exception as exc:  # noqa: BLE001  (a failed resource fails the stack, not the API call)
            change_set.execution_status = "EXECUTE_FAILED"
            if kind == "CREATE":
                stack.template = change_set.template
                stack._parse_template()
                roll_back_create(stack, exc)
                return
            stack.status = "UPDATE_ROLLBACK_IN_PROGRESS"
            stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS",
                                   f"The following resource(s) failed to update: [{failed_ids(exc)}]. ")
            try:
                stack.resource_map.update(previous_dict, stack.parameters)
            except Exception as rollback_exc:  # noqa: BLE001
                stack.status = "UPDATE_ROLLBACK_FAILED"
                stack._add_stack_event("UPDATE_ROLLBACK_FAILED", _reason(rollback_exc))
                return
            stack.template = previous_template
            stack._parse_template()
            stack.output_map = stack._create_output_map()
            stack.status = "UPDATE_ROLLBACK_COMPLETE"
            stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
            return
        # moto leaves template and outputs as they were before the change set; AWS does not.
        stack.template = change_set.template
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        stack.output_map = stack._create_output_map()
        if kind == "UPDATE":
            stack._add_stack_event("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        stack.status = f"{kind}_COMPLETE"
        stack._add_stack_event(f"{kind}_COMPLETE")
        change_set.execution_status = "EXECUTE_COMPLETE"

    backend_cls.execute_change_set = execute_change_set

    original_create_resources = cfn_models.Stack.create_resources

    def create_resources(self):
        try:
            original_create_resources(self)
        except Exception as exc:  # noqa: BLE001
            roll_back_create(self, exc)

    cfn_models.Stack.create_resources = create_resources


def _is_not_found(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {getattr(exc, 'code', '')} {_reason(exc)}".lower()
    return "notfound" in text.replace(" ", "") or "does not exist" in text or "not found" in text


def _fallback_delete_applies(resource: Any, resource_type: str) -> bool:
    """True when moto itself cannot delete this resource but the kit knows how."""
    from moto.cloudformation import parsing

    moto_class = _KIT_MODELS.get(resource_type) or parsing.get_model_map().get(resource_type)
    has_cfn_delete = moto_class is not None and not hasattr(
        moto_class.delete_from_cloudformation_json, "__isabstractmethod__")
    has_delete = callable(getattr(resource, "delete", None))
    return not (has_cfn_delete or has_delete)
