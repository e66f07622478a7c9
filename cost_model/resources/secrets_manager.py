"""Secrets Manager: the generated database credentials."""

from cost_model.components import CostComponent, counts


def components(bill):
    secrets = counts(bill, "secret_count")
    return [CostComponent("Secret", "{secret_count} secret(s)", "secret-months", secrets,
                          ["AWSSecretsManager-Secrets"], applies=secrets > 0,
                          key="secrets", group="other")]
