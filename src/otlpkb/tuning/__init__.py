"""Section 6, performance tuning: hotspots, bottlenecks, optimizations and regressions."""
