"""The Python client generated from the server's OpenAPI document by `make client`: `hanlin_client`
(import it as `clients.python.hanlin_client`). Nothing under `hanlin_client/` is edited by hand.
"""
