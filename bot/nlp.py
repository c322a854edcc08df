"""The one shared spaCy pipeline: blank English plus the lookup lemmatizer.

Official ``en_core_web_*`` models are not available here, so every component
works from tokens and lemmas only (no tagger, no parser). Loading takes well
under a second once spaCy is imported; the pipeline is built once per process.
"""
from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language


@lru_cache(maxsize=1)
def blank_english() -> Language:
    """Return a shared ``spacy.blank("en")`` with a lookup lemmatizer and sentencizer."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp
