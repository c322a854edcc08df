"""Speed of the safety screen, which runs on every user turn inside the Rasa server.

Reported against a baseline measured in the same run: spaCy's blank-English tokenizer over the
same texts, the least any text pipeline here must do. Ratios stay meaningful on a busy machine.

    .venv/bin/python bench/bench_safety.py [--repeat 200]
"""
from __future__ import annotations

import argparse
import sys
import time

sys.modules.setdefault("tensorflow", None)  # the screen needs spaCy only  # type: ignore[arg-type]

from bot.nlp import blank_english  # noqa: E402
from bot.safety import detect, warm_up  # noqa: E402

ORDINARY = "I would like to talk about trying something new with you, slowly, if that's okay. "
DENSE = "i said no and he kept going, i want to die lol, he's 16 and my ex is at the door. "
CASES = {
    "short line (55 chars)": "I'd like to ask you about trying a blindfold next week",
    "10k chars, ordinary": (ORDINARY * 200)[:10_000],
    "10k chars, dense with cues": (DENSE * 200)[:10_000],
}


def per_call_ms(func, text: str, repeat: int) -> float:
    started = time.process_time()
    for _ in range(repeat):
        func(text)
    return (time.process_time() - started) / repeat * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=200, help="calls per short case (long cases use 1/20)")
    args = parser.parse_args(argv)
    warm_up()
    tokenizer = blank_english().tokenizer
    print(f"{'case':<28}{'screen ms':>11}{'tokenizer ms':>14}{'ratio':>8}")
    for name, text in CASES.items():
        repeat = args.repeat if len(text) < 1000 else max(1, args.repeat // 20)
        screen_ms = per_call_ms(detect, text, repeat)
        base_ms = per_call_ms(tokenizer, text, repeat)
        print(f"{name:<28}{screen_ms:>11.2f}{base_ms:>14.2f}{screen_ms / base_ms:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
