"""Verdicts a pipeline can act on: `infrakit cost`'s status, comparisons and gates.

- ``sources``: what `infrakit cost` reads (a scenario file, a CloudFormation template or cloud
  assembly, or a saved `infrakit cost --json` output), identified before anything is priced,
  and priced into the cost JSON contract;
- ``compare``: one configuration's status (not deployable, price missing, over its own
  budget) and the line-by-line difference between a base and a head, lines matched by their
  stable ``key`` and usage type, never by label;
- ``gates``: ``--max-monthly-usd``, ``--max-increase-usd``, ``--max-increase-percent``; a gate
  whose figure is unknown (a price is missing) fails, never passes;
- ``render``: the comparison as a terminal table and as Markdown for a pull request.
"""
