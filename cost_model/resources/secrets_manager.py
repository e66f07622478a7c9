"""Secrets Manager: the generated database credentials."""

from cost_model.components import CostComponent, counts
from cost_model.price_list.rules import selection

# AWSSecretsManager offer, productFamily Secret (price_list_format.md 2.10). The unit string
# is not confirmed from a capture (fixtures write "Secrets"); another unit is a named problem.
PRICE_LIST = (
    selection("AWSSecretsManager-Secrets", "AWSSecretsManager", "secret-months",
              {"Secrets": 1.0, "Secret": 1.0, "Secret-Months": 1.0}, "Secrets Manager secret per month",
              family="Secret"),
)


def components(bill):
    secrets = counts(bill, "secret_count")
    return [CostComponent("Secret", "{secret_count} secret(s)", "secret-months", secrets,
                          ["AWSSecretsManager-Secrets"], applies=secrets > 0,
                          key="secrets", group="other")]
