"""Per-document text steps: normalisation, garbled text, toxicity, boilerplate, quality, PII."""
