"""Code pipeline steps: markdown formatting, indentation-insensitive dedup, quality, dependency sort."""
