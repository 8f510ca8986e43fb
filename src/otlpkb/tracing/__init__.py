"""Section 3, tracing: trace assembly, call-graph cycles and causality of spans."""
