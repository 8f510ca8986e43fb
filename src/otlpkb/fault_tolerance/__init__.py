"""Section 2, fault tolerance: retries, failure detection and reliability analysis."""
