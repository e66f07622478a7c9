"""ECS Fargate tasks (Linux): vCPU-hours and GB-hours, x86_64 or arm64 rates."""

import numpy as np

from cost_model.components import HOURS_PER_MONTH, CostComponent, counts
from cost_model.price_list.rules import selection

# AmazonECS offer, productFamily Compute (price_list_format.md 2.5). Windows rows
# (Fargate-Windows-*), ephemeral storage and ECS Anywhere share the family: the usage type
# keeps them out, and a Windows operating system or an ARM architecture on an x86 row never
# matches.
_HOURS = {"hours": 1.0, "Hrs": 1.0}
PRICE_LIST = (
    selection("Fargate-vCPU-Hours:perCPU", "AmazonECS", "vCPU-hours", _HOURS, "Fargate Linux x86 vCPU hour",
              family="Compute", exclude={"operatingSystem": "Windows", "cpuArchitecture": "ARM"}),
    selection("Fargate-GB-Hours", "AmazonECS", "GB-hours", _HOURS, "Fargate Linux x86 memory GB hour",
              family="Compute", exclude={"operatingSystem": "Windows", "cpuArchitecture": "ARM"}),
    selection("Fargate-ARM-vCPU-Hours:perCPU", "AmazonECS", "vCPU-hours", _HOURS, "Fargate Linux ARM vCPU hour",
              family="Compute", attributes={"cpuArchitecture": "ARM"}, exclude={"operatingSystem": "Windows"}),
    selection("Fargate-ARM-GB-Hours", "AmazonECS", "GB-hours", _HOURS, "Fargate Linux ARM memory GB hour",
              family="Compute", attributes={"cpuArchitecture": "ARM"}, exclude={"operatingSystem": "Windows"}),
)


def components(bill):
    tasks = counts(bill, "fargate_task_count")
    arm = (bill["fargate_arch"] == "arm64").to_numpy().astype(np.int64)
    task_hours = tasks * HOURS_PER_MONTH
    return [
        CostComponent("Fargate vCPU", "{fargate_task_count} task(s) x {fargate_vcpu_per_task} vCPU ({fargate_arch})",
                      "vCPU-hours", task_hours * counts(bill, "fargate_vcpu_per_task"),
                      ["Fargate-vCPU-Hours:perCPU", "Fargate-ARM-vCPU-Hours:perCPU"], applies=tasks > 0,
                      usage_type_index=arm, key="fargate_vcpu_hours", group="fargate"),
        CostComponent("Fargate memory", "{fargate_task_count} task(s) x {fargate_memory_gb_per_task} GB ({fargate_arch})",
                      "GB-hours", task_hours * counts(bill, "fargate_memory_gb_per_task"),
                      ["Fargate-GB-Hours", "Fargate-ARM-GB-Hours"], applies=tasks > 0, usage_type_index=arm,
                      key="fargate_memory_gb_hours", group="fargate"),
    ]
