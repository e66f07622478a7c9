"""AWS facts and limits the schema checks values against, each with where it comes from.

Kept apart from the key declarations so that a limit is written once, whether a field's
choices, a cross-key rule or a construct uses it.
"""

from __future__ import annotations

import re

# AWS ECS task size table (docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html).
FARGATE_MEMORY_MIB_BY_CPU: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}

NAT_STRATEGIES = ("per_az", "single", "regional", "none")

# The retention periods CloudWatch Logs accepts (PutRetentionPolicy API).
CLOUDWATCH_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                             2557, 2922, 3288, 3653)

# Domains no one can own (RFC 2606 and RFC 6761): a DNS-validated certificate never validates.
RESERVED_DOMAINS = ("example.com", "example.net", "example.org", "example", "test", "invalid", "localhost")

# An image in a private ECR registry (reachable through VPC endpoints, without NAT egress).
PRIVATE_ECR_REGISTRY = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/")
# Its parts: ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/REPOSITORY[:TAG].
PRIVATE_ECR_IMAGE = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/"
                               r"(?P<repository>[^:@]+)(?::(?P<tag>[^@]+))?$")

# ECS RegisterTaskDefinition: "Up to 255 letters (uppercase and lowercase), numbers, hyphens,
# underscores, colons, periods, forward slashes, and number signs are allowed" for image.
CONTAINER_IMAGE_MAX_LENGTH = 255
CONTAINER_IMAGE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/:@#-]{0,254}$"

# Larger numbers are typos, and would overflow the cost arithmetic to infinity.
MAX_NUMBER = 1e12
# A usage figure above this is a typo, not a plan (1e9 GB a month is an exabyte); every
# later step (charts, traffic sweeps) stays finite below it.
MAX_USAGE = 1e9

# Dates the kit prices: a horizon that starts in this window and runs at most 120 months.
EARLIEST_START_YEAR = 2000
LATEST_START_YEAR = 2100

# Input files: anything larger is not a scenario, grid or parameter file.
MAX_SCENARIO_FILE_BYTES = 1_000_000
# YAML aliases may expand a small file into gigabytes ("billion laughs"); past this many
# nodes after expansion a file is refused.
MAX_YAML_NODES = 100_000
# Deeper nesting than any scenario, grid or CloudFormation template needs; Python's own
# recursion would fail near 1,000.
MAX_NESTING_DEPTH = 64

# Templates (infrakit preflight --template/--assembly, cost --template). CloudFormation itself
# takes at most 1 MB; the kit reads larger ones so that it can say what is wrong with them.
MAX_TEMPLATE_FILE_BYTES = 32 * 1024 * 1024
# Values after YAML alias expansion, and nesting: far past any real template (CDK's deepest
# Fn::Join/Fn::If chains nest about 15 levels), far below Python's recursion limit of 1,000.
MAX_TEMPLATE_NODES = 5_000_000
MAX_TEMPLATE_DEPTH = 100
# Nested stacks followed from a cloud assembly, parent included.
MAX_NESTED_STACK_DEPTH = 5
# Nested stacks checked in one preflight run, all levels together: CloudFormation's default quota
# of stacks per account and region. Fan-out (500 nested stacks each nesting 500 more) stops here
# instead of growing as 500 ** depth.
MAX_NESTED_STACKS = 2_000

# CloudFormation quotas (docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
CFN_TEMPLATE_S3_MAX_BYTES = 1_048_576  # "Template body size in an Amazon S3 object: 1 MB"
CFN_TEMPLATE_BODY_MAX_BYTES = 51_200  # in a CreateStack request (CDK uploads larger ones to S3)
CFN_MAX_RESOURCES = 500
CFN_MAX_PARAMETERS = 200
CFN_MAX_OUTPUTS = 200
CFN_MAX_MAPPINGS = 200
CFN_MAX_LOGICAL_ID_LENGTH = 255
