"""Telling people about a run: alerts, and the run report artifacts."""
