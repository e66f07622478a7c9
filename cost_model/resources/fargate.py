"""ECS Fargate tasks (Linux): vCPU-hours and GB-hours, x86_64 or arm64 rates."""

import numpy as np

from cost_model.components import HOURS_PER_MONTH, CostComponent, counts


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
