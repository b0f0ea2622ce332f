"""Eval tasks, graders, metrics and runner. Not built yet: issue 8."""
