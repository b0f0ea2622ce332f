"""The inference engine: models, loaders, tokenizer, paged KV cache, scheduler, sampler, async client."""
