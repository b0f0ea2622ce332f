"""Data-cleaning pipelines for uploads (InternLM2 recipe). Not built yet: issue 5."""
