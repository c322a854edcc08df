import sys

# The coach needs spaCy but not TensorFlow (thinc imports it when present; it costs seconds).
sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]
