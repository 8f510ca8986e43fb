"""Section 4, formal verification: an explicit-state model checker and its specifications."""
