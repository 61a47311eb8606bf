"""Gapless sequences (placeholder)."""
