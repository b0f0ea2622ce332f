"""hanlin's HTTP server: an OpenAI-compatible API (Litestar + msgspec) and the `hanlin` CLI.

It translates HTTP to engine calls and back; it computes nothing itself.
"""
