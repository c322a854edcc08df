"""A tiny pattern language for the safety rules, compiled to spaCy Matcher patterns.

Rules live in ``data/safety/`` so that a therapist can read and change them; raw spaCy
token dictionaries are too noisy for that, so each pattern is one line of words:

=================  ===========================================================
``word``           the token's normalised form is ``word`` (lower case, contractions
                   expanded: ``im`` -> ``i am``, ``dont`` -> ``do not``)
``a|b|c``          any one of these forms
``a|b+c``          ``a`` or the two-word phrase ``b c`` (``+`` joins the words of a phrase)
``~hit|beat``      any form whose lemma is listed (``hits``, ``hitting``, ``hit``)
``@name``          any of the alternatives of the macro ``name`` (``data/safety/vocab.yml``);
                   macros and words mix: ``@partner|anyone``
``/regex/``        the normalised form matches the regular expression (whole token)
``*3``             up to three tokens of anything
``_``              exactly one token of anything
``PUNCT``          one punctuation mark
suffix ``?``       the element is optional (``really?``, ``@adverb?``)
=================  ===========================================================
"""
from __future__ import annotations

import itertools
import re
from typing import Callable, Iterable

TokenSpec = dict
Pattern = list  # list[TokenSpec]

_MAX_EXPANSIONS = 512


class PatternError(ValueError):
    """A rule in data/safety could not be compiled; the message says which and why."""


def _element_alternatives(element: str, macros: dict[str, list[str]], depth: int,
                          lemma_of: Callable[[str], str] | None) -> list[list[TokenSpec]]:
    """Return the token sequences one element of a pattern line can stand for."""
    optional = element.endswith("?") and len(element) > 1 and not element.startswith("/")
    if element.startswith("/") and element.endswith("/?") and len(element) > 3:
        optional, element = True, element[:-1]
    if optional:
        element = element[:-1]
    if "+" in element and not element.startswith(("~", "/", "@")) and element != "+":
        # Phrase alternatives: "no|stop|to+stop" is one of "no", "stop", "to stop".
        alternatives = []
        for option in (o for o in element.split("|") if o):
            seq = []
            for word in (w for w in option.split("+") if w):
                seq.extend(_element_alternatives(word, macros, depth, lemma_of)[0])
            alternatives.append(seq)
    elif "|" in element and "@" in element and not element.startswith(("~", "/")):
        # A mix of words and macros: "@partner|anyone|people".
        alternatives = []
        words = [w for w in element.split("|") if w and not w.startswith("@")]
        for name in (w for w in element.split("|") if w.startswith("@")):
            alternatives.extend(_element_alternatives(name, macros, depth, lemma_of))
        if words:
            alternatives.extend(_element_alternatives("|".join(words), macros, depth, lemma_of))
    elif element.startswith("@"):
        name = element[1:]
        if name not in macros:
            raise PatternError(f"unknown macro @{name}")
        if depth > 4:
            raise PatternError(f"macro @{name} nests too deeply")
        alternatives: list[list[TokenSpec]] = []
        for line in macros[name]:
            alternatives.extend(expand(line, macros, depth + 1, lemma_of))
    elif element.startswith("*") and element[1:].isdigit():
        return [[{"OP": "?"}] * int(element[1:])]
    elif element == "_":
        alternatives = [[{}]]
    elif element == "PUNCT":
        alternatives = [[{"IS_PUNCT": True}]]
    elif len(element) > 2 and element.startswith("/") and element.endswith("/"):
        regex = element[1:-1]
        try:
            re.compile(regex)
        except re.error as exc:
            raise PatternError(f"bad regular expression {element}: {exc}") from exc
        alternatives = [[{"NORM": {"REGEX": f"^(?:{regex})$"}}]]
    elif element.startswith("~"):
        words = [w for w in element[1:].lower().split("|") if w]
        if not words:
            raise PatternError(f"empty lemma list {element!r}")
        if lemma_of is not None:
            # "~threatened" also means "threaten": list each word's own lemma as well.
            words = sorted(set(words) | {lemma_of(w) for w in words})
        alternatives = [[{"LEMMA": {"IN": words}}]]
    else:
        words = [w for w in element.lower().split("|") if w]
        if not words:
            raise PatternError(f"empty word list {element!r}")
        alternatives = [[{"NORM": {"IN": words}}]] if len(words) > 1 else [[{"NORM": words[0]}]]
    alternatives = _merge_single_tokens(alternatives)
    if optional:
        if len(alternatives) == 1 and len(alternatives[0]) == 1 and "OP" not in alternatives[0][0]:
            alternatives = [[{**alternatives[0][0], "OP": "?"}]]
        else:
            alternatives = alternatives + [[]]
    return alternatives


def _merge_single_tokens(alternatives: list[list[TokenSpec]]) -> list[list[TokenSpec]]:
    """Fold one-token word alternatives into one token spec, so patterns stay few."""
    merged: dict[str, set[str]] = {}
    rest: list[list[TokenSpec]] = []
    for seq in alternatives:
        if len(seq) == 1 and len(seq[0]) == 1:
            (attr, value), = seq[0].items()
            if attr in ("NORM", "LEMMA"):
                values = value["IN"] if isinstance(value, dict) and "IN" in value else (
                    [value] if isinstance(value, str) else None)
                if values is not None:
                    merged.setdefault(attr, set()).update(values)
                    continue
        if seq not in rest:
            rest.append(seq)
    folded = [[{attr: {"IN": sorted(values)}}] for attr, values in sorted(merged.items())]
    return folded + rest


def expand(line: str, macros: dict[str, list[str]], depth: int = 0,
           lemma_of: Callable[[str], str] | None = None) -> list[Pattern]:
    """Compile one pattern line into the list of Matcher patterns it stands for."""
    if not isinstance(line, str) or not line.strip():
        raise PatternError(f"empty pattern {line!r}")
    per_element = [_element_alternatives(e, macros, depth, lemma_of) for e in line.split()]
    count = 1
    for alts in per_element:
        count *= len(alts)
    if count > _MAX_EXPANSIONS:
        raise PatternError(f"pattern {line!r} expands to {count} variants; split it")
    patterns = []
    for combo in itertools.product(*per_element):
        pattern = [spec for seq in combo for spec in seq]
        if pattern and any(spec != {"OP": "?"} for spec in pattern):
            patterns.append(pattern)
    return patterns


def expand_all(lines: Iterable[str], macros: dict[str, list[str]],
               lemma_of: Callable[[str], str] | None = None) -> list[Pattern]:
    out: list[Pattern] = []
    for line in lines:
        out.extend(expand(line, macros, 0, lemma_of))
    return out
