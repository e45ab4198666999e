"""The nightly sync's steps (plan, fetch, batch), its working file, replay, its outcome, progress and clean stop."""
