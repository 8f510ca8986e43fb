"""Section 1, performance models: queueing, latency, throughput and resource consumption."""
