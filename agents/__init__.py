"""Tools, sandboxed code interpreter and agent loops. Not built yet: issue 7."""
