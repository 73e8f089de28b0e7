"""Operator commands: `gateway run` (console script) and the `flask ...` groups."""
