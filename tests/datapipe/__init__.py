"""Tests of datapipe: filters, dedup, PII, chat, code, long context and the executor."""
