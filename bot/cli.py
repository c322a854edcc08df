"""The ``rehearse`` console script: one entry point, one subcommand per job.

Subcommands are imported lazily so that ``rehearse analyze`` does not pay for
modules it never uses (the storage layer, the web server).
"""
from __future__ import annotations

import importlib
import sys

# name -> ("module:function", one-line help). Each function takes argv and returns an exit code.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "analyze": ("bot.coach.cli:analyze_main", "score JSON Lines from stdin with the phrasing coach"),
    "eval": ("bot.coach.cli:eval_main", "per-code precision/recall of the coach on a labelled set"),
    "safety-eval": ("bot.safety.cli:eval_main", "catch rate and false alarms of the safety screen"),
    "check": ("bot.preflight:check_main", "load every data file and report problems clearly"),
    "run": ("bot.launcher:run_main", "start the Rasa, action and web servers (after 'make run' set-up)"),
    "train": ("bot.training:train_main", "train the Rasa model if its data or config changed"),
    "purge": ("bot.storage.cli:purge_main", "delete data older than the retention period"),
    "db": ("bot.storage.cli:db_main", "apply database migrations (upgrade) or show the revision"),
    "web": ("bot.web.app:serve_main", "serve the chat page and the privacy API"),
}


def _usage() -> str:
    lines = ["usage: rehearse <command> [options]", "", "commands:"]
    lines += [f"  {name:<12} {help_}" for name, (_, help_) in SUBCOMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(_usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in SUBCOMMANDS:
        print(f"rehearse: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module_name, func_name = SUBCOMMANDS[name][0].split(":")
    if name in {"analyze", "eval", "safety-eval", "train", "check"}:
        # The coach needs spaCy but not TensorFlow; thinc imports TensorFlow when it can,
        # which costs seconds per call. Batch scoring should start fast.
        sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]
    func = getattr(importlib.import_module(module_name), func_name)
    return int(func(rest) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
