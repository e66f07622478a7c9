"""``AWS::SecretsManager::Secret``, with ``GenerateSecretString`` as Secrets Manager generates it."""

from __future__ import annotations

import json
from typing import Any

from moto.secretsmanager.models import secretsmanager_backends

from infra_lib.emulator.models.base import KitModel


class KitSecret(KitModel):
    cfn_type = "AWS::SecretsManager::Secret"
    attributes = ("Id",)

    def __init__(self, arn: str, name: str):
        super().__init__(arn)
        self.arn = arn
        self.name = name

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
    def delete_resource(cls, physical_id: str, account_id: str, region_name: str) -> None:
        secretsmanager_backends[account_id][region_name].delete_secret(physical_id, None, True)

    def cfn_attributes(self) -> dict[str, Any]:
        return {"Id": self.arn}
