"""A month of 八家庄, simulated against the running service (issue 20): `python -m sim run`.

The simulation keeps its own ledger — what it sent, and what the rules say should follow,
computed with its own calendar and its own arithmetic (sim/rules.py), never the service's — and
compares it at the end with what Linli shows through its API."""
