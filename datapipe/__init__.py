"""Data-cleaning pipelines for uploads (InternLM2's recipe): `run_pipeline(path, "text", out_dir)`.
Modules: document steps report io worker executor pipelines textutil chat longctx scorers;
filters/ (normalize garbled toxicity boilerplate quality repetition pii), dedup/, code/.
"""

from datapipe.document import Document, Rejected
from datapipe.pipelines import PIPELINES, build_pipeline, run_pipeline
from datapipe.report import Progress, Report, StepReport
from datapipe.scorers import CacheUnigramScorer
from datapipe.steps import Filter, GlobalStep, Step, Transform

__all__ = ["PIPELINES", "CacheUnigramScorer", "Document", "Filter", "GlobalStep", "Progress",
           "Rejected", "Report", "Step", "StepReport", "Transform", "build_pipeline",
           "run_pipeline"]
