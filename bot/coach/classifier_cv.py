"""Cross-validation of the coach's classifier on the training files, and threshold choice.

Thresholds are chosen where they will be used: on top of the rules. For each code, the
cross-validated prediction is "a rule found it, or the classifier's guarded score reaches t";
t is the value that maximises F-beta (beta from classifier.yml: 2 for the pressure family, so
recall counts more) while the precision stays at or above the configured floor.

    .venv/bin/python -m bot.coach.classifier_cv            # report 5-fold CV on train
    .venv/bin/python -m bot.coach.classifier_cv --write    # ... and write the thresholds to classifier.yml

Only the training files are used; dev.jsonl is never seen here.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path
from typing import Any, Sequence

GRID = [round(0.05 + 0.025 * i, 3) for i in range(38)] + [0.97]  # 0.05 .. 0.975, 0.97


def fold_scores(items: Sequence[dict[str, Any]], data_dir: str | None = None, folds: int = 5,
                seed: int = 13) -> list[dict[str, Any]]:
    """Per item: the rules' codes and the classifier's guarded scores from a model that never saw it."""
    from bot.coach.analyzer import Analyzer
    from bot.coach.classifier import _codes, fit, load_config, normaliser_for, training_texts
    from bot.coach.pipeline import coach_pipeline

    config = load_config(data_dir)
    pipeline = coach_pipeline(data_dir)
    rules = Analyzer(pipeline, None)
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    fold_of = {i: n % folds for n, i in enumerate(order)}
    docs = list(pipeline.pipe([it["text"] for it in items]))
    out: list[dict[str, Any]] = [{} for _ in items]
    for i, (item, doc) in enumerate(zip(items, docs)):
        _, found = rules.find(item["text"], item["kind"], item["after_refusal"], doc=doc)
        out[i] = {"rules": set(found), "gold": set(item["codes"]), "scores": {}}
    normaliser = normaliser_for(data_dir)
    texts = training_texts(items, config, normaliser, data_dir)
    for f in range(folds):
        keep = [i for i in range(len(items)) if fold_of[i] != f]
        clf = fit([items[i] for i in keep], config, normaliser, "", _codes(data_dir), [texts[i] for i in keep])
        analyzer = Analyzer(pipeline, clf, dict.fromkeys(clf.codes, 0.5))
        for i, (item, doc) in enumerate(zip(items, docs)):
            if fold_of[i] == f:
                out[i]["scores"] = analyzer.classifier_scores(doc, item["kind"], item["after_refusal"])
    return out


def _prf(pred: Sequence[bool], gold: Sequence[bool], beta: float = 1.0) -> tuple[float, float, float]:
    tp = sum(p and g for p, g in zip(pred, gold))
    fp = sum(p and not g for p, g in zip(pred, gold))
    fn = sum(g and not p for p, g in zip(pred, gold))
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    b2 = beta * beta
    f = (1 + b2) * p * r / (b2 * p + r) if p + r else 0.0
    return p, r, f


def predict(s: dict[str, Any], thresholds: dict[str, float], families: dict[str, str],
            use_rules: bool = True, use_classifier: bool = True) -> set[str]:
    """The codes the analyzer would report for one scored item (before codes.yml suppressions)."""
    got = set(s["rules"]) if use_rules else set()
    if use_classifier:
        got |= {c for c, v in s["scores"].items()
                if not c.startswith("family:") and v >= thresholds.get(c, 1.01)}
        for name, v in s["scores"].items():
            if name.startswith("family:") and not name.endswith(":code") and v >= thresholds.get(name, 1.01):
                family = name[len("family:"):]
                code = s["scores"].get(name + ":code")
                if code and not any(families.get(c) == family for c in got):
                    got.add(code)
    return got


def _best(gold: list[bool], preds: dict[float, list[bool]], beta: float, floor: float, fallback: float) -> float:
    best, best_key = fallback, None
    for t, pred in preds.items():
        p, r, f = _prf(pred, gold, beta)
        if p < floor:
            continue
        key = (f, -t)
        if best_key is None or key > best_key:
            best, best_key = t, key
    return best


def choose_thresholds(scored: list[dict[str, Any]], codes: Sequence[str], families: dict[str, str],
                      tuning: dict[str, Any], family_names: Sequence[str] = ()) -> dict[str, float]:
    """Per code: the threshold with the best F-beta of rules + classifier, above the precision floor.

    The floor is the configured one, or the rules' own precision on these items when that is
    lower (the classifier is not asked to make the rules more precise than they are); the
    classifier's own additions must also reach ``min_added_precision``. Family
    columns are chosen last, on family-level F-beta, once the per-code thresholds are set.
    """
    lowest, highest = float(tuning.get("lowest", 0.15)), float(tuning.get("highest", 0.9))
    grid = [t for t in GRID if lowest <= t <= highest]
    chosen: dict[str, float] = {}
    for code in codes:
        spec = tuning.get("coercion" if families[code] == "coercion" else "other", {})
        beta, floor = float(spec.get("beta", 1.0)), float(spec.get("min_precision", 0.8))
        gold = [code in s["gold"] for s in scored]
        rules_p, _, _ = _prf([code in s["rules"] for s in scored], gold)
        preds = {t: [code in s["rules"] or s["scores"].get(code, 0.0) >= t for s in scored] for t in grid}
        # What the classifier adds on top of the rules must itself be right often enough: weak
        # rules must not lower the bar for the classifier's own guesses.
        added_floor = float(spec.get("min_added_precision", 0.0))
        rule_hits = [code in s["rules"] for s in scored]
        preds = {t: pred for t, pred in preds.items()
                 if _prf([p and not r for p, r in zip(pred, rule_hits)], [g for g in gold])[0] >= added_floor
                 or not any(p and not r for p, r in zip(pred, rule_hits))}
        chosen[code] = _best(gold, preds, beta, min(floor, rules_p), highest)
    for name in family_names:
        family = name[len("family:"):]
        spec = tuning.get("family", {})
        beta, floor = float(spec.get("beta", 2.0)), float(spec.get("min_precision", 0.9))
        members = {c for c, f in families.items() if f == family}
        gold = [bool(s["gold"] & members) for s in scored]
        base = [bool(predict(s, chosen, families) & members) for s in scored]
        rules_p, _, _ = _prf(base, gold)
        preds = {t: [bool(predict(s, {**chosen, name: t}, families) & members) for s in scored] for t in grid}
        preds[1.01] = base
        chosen[name] = _best(gold, preds, beta, min(floor, rules_p), 1.01)
    return chosen


def report(scored: list[dict[str, Any]], codes: Sequence[str], thresholds: dict[str, float],
           family: Sequence[str], families: dict[str, str]) -> dict[str, Any]:
    """Per-code and family precision/recall for rules alone, classifier alone, and both."""
    out: dict[str, Any] = {}
    for name, (use_rules, use_classifier) in {"rules": (True, False), "classifier": (False, True),
                                              "combined": (True, True)}.items():
        preds = [predict(s, thresholds, families, use_rules, use_classifier) for s in scored]
        per_code = {}
        for code in codes:
            gold = [code in s["gold"] for s in scored]
            if not any(gold):
                continue
            p, r, _ = _prf([code in got for got in preds], gold)
            per_code[code] = {"precision": round(p, 3), "recall": round(r, 3), "support": sum(gold)}
        fam_gold = [bool(s["gold"] & set(family)) for s in scored]
        fam_pred = [bool(got & set(family)) for got in preds]
        fp_, fr_, _ = _prf(fam_pred, fam_gold)
        recalls = [v["recall"] for v in per_code.values()]
        out[name] = {"per_code": per_code, "family_precision": round(fp_, 3), "family_recall": round(fr_, 3),
                     "macro_recall": round(sum(recalls) / len(recalls), 3) if recalls else None}
    return out


def write_thresholds(path: Path, thresholds: dict[str, float], note: str) -> None:
    """Replace the ``thresholds:`` section at the end of classifier.yml, keeping everything above it."""
    text = path.read_text(encoding="utf-8")
    m = re.search(r"^thresholds:.*\Z", text, re.M | re.S)
    head = text[: m.start()] if m else text.rstrip("\n") + "\n"
    lines = [f"thresholds:  # {note}"] + [f"  {c}: {t}" for c, t in thresholds.items()]
    path.write_text(head + "\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]
    from bot.coach.classifier import load_config, read_items, training_files
    from bot.coach.knowledge import load_knowledge
    from bot.paths import DATA_DIR

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write the chosen thresholds to classifier.yml")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    args = parser.parse_args(argv)
    config = load_config()
    tuning = config.get("tuning", {})
    items = read_items(training_files())
    k = load_knowledge()
    scored = fold_scores(items, None, int(tuning.get("folds", 5)), int(tuning.get("seed", 13)))
    learned = sorted({c for s in scored for c in s["scores"] if c in k.codes}, key=list(k.codes).index)
    family_names = sorted({c for s in scored for c in s["scores"] if c.startswith("family:") and not c.endswith(":code")})
    families = {c: r.family for c, r in k.codes.items()}
    family = [c for c, r in k.codes.items() if r.family == "coercion"]
    thresholds = choose_thresholds(scored, learned, families, tuning, family_names) if args.write else {
        c: config["thresholds"].get(c, config["default_threshold"]) for c in [*learned, *family_names]}
    rep = report(scored, list(k.codes), thresholds, family, families)
    if args.write:
        c = rep["combined"]
        note = (f"chosen by {tuning.get('folds', 5)}-fold CV on {len(items)} training utterances: "
                f"family P {c['family_precision']} R {c['family_recall']}, macro R {c['macro_recall']}")
        write_thresholds(DATA_DIR / "coach" / "classifier.yml", thresholds, note)
    if args.json:
        print(json.dumps({"items": len(items), "thresholds": thresholds, **rep}, indent=2))
        return 0
    print(f"{len(items)} training utterances, {tuning.get('folds', 5)}-fold cross-validation")
    print(f"{'code':<20}{'thr':>6}" + "".join(f"{n[:5] + ' P':>9}{n[:5] + ' R':>9}" for n in rep) + f"{'n':>6}")
    for code in k.codes:
        if code not in rep["rules"]["per_code"]:
            continue
        row = f"{code:<20}{thresholds.get(code, float('nan')):>6.2f}"
        for name in rep:
            v = rep[name]["per_code"].get(code, {})
            row += f"{v.get('precision', 0):>9.3f}{v.get('recall', 0):>9.3f}"
        print(row + f"{rep['rules']['per_code'][code]['support']:>6}")
    for name in family_names:
        print(f"{name:<20}{thresholds.get(name, float('nan')):>6.2f}")
    for name, v in rep.items():
        print(f"{name:<11} family P {v['family_precision']:.3f} R {v['family_recall']:.3f}  macro R {v['macro_recall']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
