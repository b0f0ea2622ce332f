"""Global dedup steps: exact (xxhash of normalized content) and near (MinHash LSH + union-find)."""
