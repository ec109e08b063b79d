"""Behflow's command line and terminal UI: clients of the Behflow HTTP API."""
