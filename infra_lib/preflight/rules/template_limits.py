"""The template fits CloudFormation's quotas: size, resources, parameters, outputs, mappings and
logical ids. A template past one is refused as a whole at create time, whatever it holds.
"""

from __future__ import annotations

import json
import re
from typing import Iterator, Mapping

from infra_lib.preflight.context import Context
from infra_lib.preflight.findings import Finding
from infrakit.core.cfn import cut
from infrakit.core.schema.limits import (
    CFN_MAX_LOGICAL_ID_LENGTH,
    CFN_MAX_MAPPINGS,
    CFN_MAX_OUTPUTS,
    CFN_MAX_PARAMETERS,
    CFN_MAX_RESOURCES,
    CFN_TEMPLATE_S3_MAX_BYTES,
)

ID = "CFN-TEMPLATE-LIMITS"
TITLE = "The template fits CloudFormation's quotas"
RATIONALE = ("CloudFormation refuses a template over 1 MB (from S3), with more than 500 resources, 200 parameters, "
             "200 outputs or 200 mappings, or with a logical id that is not 1-255 letters and digits; nothing in "
             "it is created.")
SOURCE_URL = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"
LOGICAL_ID = re.compile(r"[A-Za-z0-9]{1,%d}" % CFN_MAX_LOGICAL_ID_LENGTH)
SOURCE = "CloudFormation quotas (cloudformation-limits.html)"


def check(context: Context) -> Iterator[Finding]:
    template = context.index.template
    size = context.template_bytes
    measured = "the template file"
    if size is None:
        size = len(json.dumps(template, separators=(",", ":"), default=str).encode("utf-8"))
        measured = "the template as compact JSON (at least)"
    if size > CFN_TEMPLATE_S3_MAX_BYTES:
        yield Finding(ID, "template-too-large", "",
                      f"{measured[0].upper()}{measured[1:]} is {size:,} bytes; CloudFormation accepts at most "
                      f"{CFN_TEMPLATE_S3_MAX_BYTES:,} bytes (1 MB, from S3), so the deploy is refused.",
                      "Split the stack (nested stacks), or move large inline content (Lambda code, policies) to "
                      "assets.", SOURCE)
    for section, limit in (("Resources", CFN_MAX_RESOURCES), ("Parameters", CFN_MAX_PARAMETERS),
                           ("Outputs", CFN_MAX_OUTPUTS), ("Mappings", CFN_MAX_MAPPINGS)):
        declared = template.get(section)
        count = len(declared) if isinstance(declared, Mapping) else 0
        if count > limit:
            yield Finding(ID, f"too-many-{section.lower()}", "",
                          f"The template declares {count:,} {section.lower()}; CloudFormation allows {limit} per "
                          f"template, so the deploy is refused.",
                          "Split the stack (nested stacks)" + (", or combine values into lists or mappings"
                                                               if section == "Parameters" else "") + ".", SOURCE)
    bad = [name for name in context.index.all_resources if not (isinstance(name, str) and LOGICAL_ID.fullmatch(name))]
    if bad:
        yield Finding(ID, "logical-id", "",
                      f"{len(bad)} logical id(s) are not 1-{CFN_MAX_LOGICAL_ID_LENGTH} letters and digits: "
                      f"{cut(', '.join(repr(cut(str(n), 60)) for n in bad[:5]), 400)}"
                      f"{' and more' if len(bad) > 5 else ''}; CloudFormation refuses the template.",
                      "Rename them with letters and digits only.", SOURCE)
