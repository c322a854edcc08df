"""Train the Rasa model only when what it is trained from has changed.

``rasa train`` imports TensorFlow before it can tell that nothing changed, which costs seconds
on every start. A fingerprint of the training inputs, kept beside the model, answers at once.
"""
from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
from pathlib import Path

from bot.paths import PROJECT_ROOT

MODEL_NAME = "rehearsal"
# Rasa's own training data. The rest of data/ (coach, partner, safety, guide) is read by bot/,
# and some of it has keys Rasa would misread as training data, so Rasa only gets these folders.
RASA_DATA = ("data/nlu", "data/rules", "data/stories")
# Everything the trained model depends on: change one and the model is retrained.
TRAINING_INPUTS = ("config.yml", "domain.yml", "data/nlu", "data/rules", "data/stories", "components")


def rasa_environment() -> dict[str, str]:
    """Rasa's environment here: no telemetry or error reports (no network), quieter TensorFlow."""
    import os

    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        # Rasa 3.6's dependencies warn about their own deprecations on every start; the
        # person running the product cannot act on them, so keep the log readable.
        "PYTHONWARNINGS": "ignore::DeprecationWarning,ignore::UserWarning:tensorflow",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }


def rasa_data_paths(root: Path = PROJECT_ROOT) -> list[str]:
    """The Rasa training-data folders that exist."""
    return [name for name in RASA_DATA if (root / name).exists()]


def model_path(models_dir: Path | None = None) -> Path:
    return (models_dir or PROJECT_ROOT / "models") / f"{MODEL_NAME}.tar.gz"


def fingerprint(root: Path = PROJECT_ROOT) -> str:
    """A hash of every training input file's path and bytes."""
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.suffix == ".pyc" or not file.exists():
                continue
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def needs_training(models_dir: Path | None = None) -> bool:
    model = model_path(models_dir)
    stamp = model.with_suffix(".fingerprint")
    return not model.exists() or not stamp.exists() or stamp.read_text().strip() != fingerprint()


def train(models_dir: Path | None = None, force: bool = False) -> int:
    """Run ``rasa train`` if needed; return its exit code (0 when nothing to do)."""
    models_dir = models_dir or PROJECT_ROOT / "models"
    if not force and not needs_training(models_dir):
        print("==> The model is up to date with its training data.")
        return 0
    print("==> Training the model (about 30 seconds)")
    started = time.monotonic()
    expected = fingerprint()
    code = subprocess.call(
        [
            str(Path(sys.executable).with_name("rasa")), "train",
            "--data", *rasa_data_paths(), "--fixed-model-name", MODEL_NAME, "--out", str(models_dir),
            "--quiet", "--force",
        ],
        cwd=PROJECT_ROOT,
        env=rasa_environment(),
    )
    if code == 0:
        model_path(models_dir).with_suffix(".fingerprint").write_text(expected)
        print(f"==> Trained in {time.monotonic() - started:.0f} s: {model_path(models_dir)}")
    return code


def train_coach(force: bool = False) -> int:
    """The coach's own classifier (bot/coach/classifier.py), also only when its data changed."""
    from bot.coach import classifier

    if not force and not classifier.needs_training():
        print("==> The coach's classifier is up to date with its training data.")
        return 0
    print("==> Training the coach's classifier (a few seconds)")
    started = time.monotonic()
    path = classifier.train()
    print(f"==> Trained in {time.monotonic() - started:.0f} s: {path}")
    return 0


def train_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="rehearse train", description=__doc__)
    parser.add_argument("--force", action="store_true", help="train even if nothing changed")
    args = parser.parse_args(argv)
    return train_coach(force=args.force) or train(force=args.force)
