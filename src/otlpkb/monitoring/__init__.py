"""Section 8, monitoring and alerting: alert rules, SLOs and burn rates, alert fatigue."""
