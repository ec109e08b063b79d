"""Behflow server: the HTTP API, store, agent and scheduler."""

__version__ = "0.1.0"
