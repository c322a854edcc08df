"""``rehearse check``: load every data file the product reads, before any server starts.

Knowledge lives in YAML/JSONL that therapists and reviewers edit by hand. A typo there must
not become a server that starts and then answers nothing; it must become one clear line that
names the file (and, for YAML, the line), before anything runs. The run and test commands call
this first; nothing is written, so nothing can be lost.
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable

import yaml

from bot.paths import PROJECT_ROOT


def _guide() -> None:
    from bot import guide

    for key in guide.keys():
        guide.text(key)


def _catalog() -> None:
    from bot import catalog

    assert catalog.kinds() and catalog.personas() and catalog.difficulties()
    assert catalog.match_activity("blindfold") is not None


def _partner() -> None:
    from bot.partner import load_content

    load_content()


def _coach() -> None:
    from bot.coach import analyze

    analyze("I'd like to try something new with you. How do you feel about it?", kind="ask")


def _safety() -> None:
    from bot.safety import resources_for, safety_message, warm_up

    warm_up()
    for category in ("abuse", "self_harm", "minor", "danger"):
        safety_message(category)
        resources_for(category)


CHECKS: dict[str, Callable[[], None]] = {
    "guide texts (data/guide/)": _guide,
    "activities and menus (data/activities.yml, data/partner/)": _catalog,
    "partner lines and scenes (data/partner/)": _partner,
    "coach rules and texts (data/coach/)": _coach,
    "safety rules and resources (data/safety/)": _safety,
}


def _describe(error: BaseException) -> str:
    """One readable line: YAML errors name the file and line; others keep their message."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        try:
            name = str(__import__("pathlib").Path(mark.name).resolve().relative_to(PROJECT_ROOT))
        except ValueError:
            name = mark.name
        return f"{name}, line {mark.line + 1}: {error.problem}"
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def check_data() -> list[str]:
    """Problems found, one line each; empty when every data file loads."""
    problems = []
    for what, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure is reported, none is fatal here
            problems.append(f"{what}: {_describe(error)}")
    return problems


def check_main(argv: list[str]) -> int:
    argparse.ArgumentParser(prog="rehearse check", description=__doc__).parse_args(argv)
    problems = check_data()
    if problems:
        print("The product's data has problems; fix these and run again:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print("==> All data files load.")
    return 0
