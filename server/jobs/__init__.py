"""Background jobs the server runs off the event loop: dataset cleaning now (worker processes),
fine-tunes and eval runs later. Their state lives in the database, so a restart loses none."""
