"""The Python client generated from the server's OpenAPI document. Not generated yet: issue 4."""
