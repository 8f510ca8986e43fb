"""Capacity planning: forecasting, resource usage, scaling decisions and cost.

One module per chapter of section 7:

* `otlpkb.capacity.forecasting` (7.1): Holt–Winters, trends and growth curves, prediction
  intervals and the time until a load reaches a capacity;
* `otlpkb.capacity.usage` (7.2): utilization percentiles, headroom, seasonal
  decomposition and per-signal attribution of Collector resource use;
* `otlpkb.capacity.scaling` (7.3): the Kubernetes Horizontal Pod Autoscaler and
  queueing-based sizing for a latency SLO;
* `otlpkb.capacity.cost` (7.4): cost per signal and the sampling/retention trade-off.
"""

__all__: list[str] = []
