"""Tests of the OpenAI-compatible server and the hanlin CLI, against a live server subprocess."""
