"""All of infrakit's exception types, under one root.

User errors (bad input) carry every problem at once so the user fixes them in one pass;
the CLI prints them without a traceback and exits with code 2.
"""

from __future__ import annotations


class InfrakitError(Exception):
    """Root of every error infrakit raises on purpose."""


class InputError(InfrakitError, ValueError):
    """Bad input from the user: a scenario, a grid or a command-line value.

    ``problems`` lists every problem found, each a complete sentence that names the key,
    the value, what is allowed and what to change.
    """

    def __init__(self, problems: list[str], *, source: str | None = None):
        self.problems = list(problems)
        self.source = source
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = f" in {self.source}" if self.source else ""
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''}{where}:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])

    def __reduce__(self):
        return (_rebuild_input_error, (self.problems, self.source))


def _rebuild_input_error(problems, source):
    return InputError(problems, source=source)


class CatalogError(InfrakitError):
    """A catalog file is malformed; this is a bug in the shipped data, not user input."""


class PriceMissingError(InfrakitError, LookupError):
    """A configuration needs prices the catalog does not have for its region."""

    def __init__(self, region: str, usage_types: list[str]):
        self.region = region
        self.usage_types = sorted(set(usage_types))
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return (
            f"no price in the catalog for region {self.region} and usage type(s) "
            f"{', '.join(self.usage_types)}; run `infrakit prices refresh --region {self.region}` "
            f"(AWS's Price List), or choose a region whose prices are complete"
        )

    def __reduce__(self):
        return (PriceMissingError, (self.region, self.usage_types))
