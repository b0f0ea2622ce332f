"""Clients of the HTTP API: `python/hanlin_client`, generated from the server's OpenAPI document by
`make client` (`clients/generate.py`); `tests/server/test_client.py` fails when it is stale.
"""
