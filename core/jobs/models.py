"""Job model (placeholder until core/jobs lands)."""
