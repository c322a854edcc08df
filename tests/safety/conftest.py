import sys

# The safety screen needs spaCy, not TensorFlow; skip thinc's slow TensorFlow import.
sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]
