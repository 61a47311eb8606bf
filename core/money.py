"""KHR/USD money (placeholder)."""
