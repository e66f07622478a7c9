"""One construct per logical unit of the payment API; ``infra_lib.stack`` only wires them."""
