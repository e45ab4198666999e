"""The nightly sync's steps (plan, fetch, batch), replay, its outcome, progress and clean stop."""
