"""The screen reads each token's normalisation from a cache keyed by spaCy's hashes
(text, norm); that must give exactly what normalising every token afresh gives,
including the contraction tails that depend on the word before ("i m", "hes")."""
from __future__ import annotations

from pathlib import Path

import yaml

from bot.safety.detector import _SENTENCE_END, _screen

_CASES = Path(__file__).resolve().parents[2] / "data" / "safety" / "cases.yml"


def _reference(screen, text: str) -> tuple[list, list, list, list, list, list]:
    """Norms, lemmas, punct flags, offsets and sentence breaks, token by token."""
    doc = screen.nlp.make_doc(text.lower())
    norms, lemmas, punct, starts, ends, breaks = [], [], [], [], [], []
    previous = ""
    contractions = screen.rules.contractions
    for token in doc:
        if token.is_space:
            if "\n" in token.text and breaks:
                breaks[-1] = True
            continue
        norm = screen.normalize.norm(token.text, token.norm_, previous)
        words = (norm,)
        if norm in contractions.words:
            following = doc[token.i + 1].text if token.i + 1 < len(doc) else ""
            words = contractions.split(norm, previous, following.lower()) or words
        for word in words:
            previous = word
            norms.append(word)
            lemmas.append(screen.normalize.lemma(word))
            punct.append(token.is_punct)
            starts.append(token.idx)
            ends.append(token.idx + len(token.text))
            breaks.append(token.is_punct and _SENTENCE_END.fullmatch(token.text) is not None)
    for k in screen.normalize.label_positions(norms):
        norms[k] = lemmas[k] = "label:" + norms[k]
    return norms, lemmas, punct, starts, ends, breaks


def _texts() -> list[str]:
    cases = yaml.safe_load(_CASES.read_text(encoding="utf-8"))
    texts = [t for v in cases.values() if isinstance(v, list) for t in v if isinstance(t, str)]
    texts += ["i m scared hes here", "I M SCARED. hes coming, i ll hide\n\nim ok", "hell post it",
              "yes/no/maybe list", "the hell with it", "she s 16 and im 30"]
    return [t for t in texts if t.isascii()]


def test_cached_tokens_equal_fresh_normalisation():
    screen = _screen()
    for _ in range(2):   # the second round reads every token from the cache
        for text in _texts():
            toks = screen._tokens(text)
            norms, lemmas, punct, starts, ends, breaks = _reference(screen, text)
            assert (toks.norms, toks.lemmas, toks.punct, toks.starts, toks.ends) == \
                (norms, lemmas, punct, starts, ends), text
            boundaries = [i + 1 for i, b in enumerate(breaks) if b]
            for i in range(len(toks)):
                assert toks.sent_end[i] == next((b for b in boundaries if b > i), len(toks)), text
