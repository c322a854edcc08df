"""Run the action server without TensorFlow: ``python -m actions.server --port 5055``.

The actions need spaCy (the coach, the safety screen), and spaCy's thinc imports TensorFlow
whenever it is installed, which Rasa's server needs but the action server never uses: that
import alone costs seconds at start and hundreds of megabytes. Blocking it here, before
anything imports spaCy, keeps the action server small. The server itself is rasa-sdk's own
(``python -m rasa_sdk`` with the same options).
"""
import sys

sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]  # thinc then skips it

from rasa_sdk.__main__ import main  # noqa: E402

if __name__ == "__main__":
    if "--actions" not in sys.argv:
        sys.argv += ["--actions", "actions"]
    main()
