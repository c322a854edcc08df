"""Grouped cross-validation of the safety classifier, next to the rules.

    python -m bot.safety.classifier_cv [--folds 5] [--sweep]

Near-duplicates (same words in another order, one text inside another) share a group,
so a fold never tests on a sentence whose twin it trained on. For each held-out item
the report compares the rules alone, the classifier alone, and both together (the
classifier only adds hits the rules missed), per category and for near misses.
Caveat printed with the numbers: the rules were tuned on these same items, so their
recall here is optimistic; the classifier's numbers are honest out-of-fold numbers.
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter

sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]

from bot.safety.classifier import NONE, SafetyClassifier, load_config, load_examples  # noqa: E402
from bot.safety.rules import CATEGORIES  # noqa: E402

_WORD = re.compile(r"\w+")


def near_duplicate_groups(texts: list[str], threshold: float = 0.6) -> list[int]:
    """Union-find over word-set Jaccard similarity >= threshold (or containment)."""
    sets = [frozenset(_WORD.findall(t.lower())) for t in texts]
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            a, b = sets[i], sets[j]
            if not a or not b:
                continue
            inter = len(a & b)
            if inter / len(a | b) >= threshold or (inter == min(len(a), len(b)) and inter >= 4):
                parent[find(i)] = find(j)
    return [find(i) for i in range(len(texts))]


def run(folds: int = 5, sweep: bool = False) -> dict:
    from sklearn.model_selection import GroupKFold

    from bot.safety.detector import _screen

    config = load_config()
    unique: dict[str, object] = {}
    for example in load_examples(config):
        unique.setdefault(example.text, example)
    examples = list(unique.values())
    texts = [e.text for e in examples]
    groups = near_duplicate_groups(texts)
    screen = _screen()
    rules = [screen.screen(t, use_classifier=False).hit for t in texts]
    # Out-of-fold: the classifier's best (category, p) per item, every anchored category.
    scores: list[list[tuple[str, float]]] = [[] for _ in texts]
    for train, test in GroupKFold(n_splits=folds).split(texts, groups=groups):
        model = SafetyClassifier.fit(config, [examples[i] for i in train])
        for i in test:
            sentences = [(s[2], s[3]) for s in screen.sentences(screen._tokens(texts[i]), texts[i])]
            anchored = [(text, [c for c in CATEGORIES if not config.anchors[c].isdisjoint(words)])
                        for text, words in sentences]
            anchored = [a for a in anchored if a[1]]
            for (text, cats), probs in zip(anchored, model.probabilities([a[0] for a in anchored])):
                scores[i] += [(c, probs.get(c, 0.0)) for c in cats]

    def classifier_hit(i: int, thresholds: dict[str, float]) -> str | None:
        best = None
        for category, p in scores[i]:
            if p >= thresholds[category] and (best is None or p > best[1]):
                best = (category, p)
        return best[0] if best else None

    def tally(thresholds: dict[str, float]) -> dict:
        out = {k: Counter() for k in ("total", "rules", "clf", "both")}
        alarms = Counter()
        clf_alarms, clf_only = [], []
        for i, e in enumerate(examples):
            c = classifier_hit(i, thresholds)
            r = rules[i].category if rules[i] else None
            if e.label == NONE:
                alarms["total"] += 1
                alarms["rules"] += r is not None
                alarms["clf"] += c is not None
                alarms["both"] += (r or c) is not None
                if c is not None:
                    clf_alarms.append((e, c))
                continue
            out["total"][e.label] += 1
            out["rules"][e.label] += r is not None
            out["clf"][e.label] += c is not None
            out["both"][e.label] += (r or c) is not None
            if r is None and c is not None:
                clf_only.append((e, c))
        return {"recall": out, "alarms": alarms, "clf_alarms": clf_alarms, "clf_only": clf_only}

    result = tally(config.thresholds)
    result["n"] = len(examples)
    result["groups"] = len(set(groups))
    result["misses"] = [e for i, e in enumerate(examples)
                        if e.label != NONE and rules[i] is None and classifier_hit(i, config.thresholds) is None]
    if sweep:
        result["sweep"] = {t: tally({c: t for c in CATEGORIES}) for t in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9)}
    return result


def _print(result: dict) -> None:
    rec, alarms = result["recall"], result["alarms"]
    print(f"{result['n']} unique items in {result['groups']} near-duplicate groups")
    print("recall per category (out-of-fold for the classifier; rules were tuned on these items):")
    print(f"  {'category':<10} {'total':>5} {'rules':>6} {'clf':>5} {'rules+clf':>9}")
    for c in CATEGORIES:
        print(f"  {c:<10} {rec['total'][c]:>5} {rec['rules'][c]:>6} {rec['clf'][c]:>5} {rec['both'][c]:>9}")
    tot = {k: sum(v.values()) for k, v in rec.items()}
    print(f"  {'all':<10} {tot['total']:>5} {tot['rules']:>6} {tot['clf']:>5} {tot['both']:>9}")
    print(f"false alarms on {alarms['total']} negatives: rules {alarms['rules']}, classifier "
          f"{alarms['clf']}, rules+clf {alarms['both']}")
    for e, c in result["clf_alarms"]:
        print(f"  CLF ALARM [{c}] ({e.source}) {e.text[:100]}")
    for e, c in result["clf_only"]:
        print(f"  CLF ONLY  [{c}, expected {e.label}] ({e.source}) {e.text[:100]}")
    for e in result["misses"]:
        print(f"  MISSED BY BOTH [{e.label}] ({e.source}) {e.text[:100]}")
    for t, r in (result.get("sweep") or {}).items():
        tot = {k: sum(v.values()) for k, v in r["recall"].items()}
        print(f"  threshold {t:.1f}: classifier recall {tot['clf']}/{tot['total']}, "
              f"classifier alarms {r['alarms']['clf']}/{r['alarms']['total']}, "
              f"union alarms {r['alarms']['both']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--sweep", action="store_true", help="also try one threshold for all")
    args = parser.parse_args(argv)
    _print(run(args.folds, args.sweep))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
