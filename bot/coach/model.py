"""The coach's output types: a finding (one rubric code on a span) and an analysis."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One rubric code found in the user's text.

    ``start``/``end`` are character offsets into the original text; ``text[start:end]`` are
    the words that earned the finding. Concerns always carry a ``suggestion``.
    """

    code: str
    polarity: str  # "concern" | "strength"
    start: int
    end: int
    explanation: str
    suggestion: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "polarity": self.polarity, "start": self.start, "end": self.end,
                "explanation": self.explanation, "suggestion": self.suggestion}


@dataclass
class Analysis:
    """All findings for one utterance plus the safety category (None when safe)."""

    findings: list[Finding] = field(default_factory=list)
    safety: str | None = None

    @property
    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    @property
    def concerns(self) -> list[Finding]:
        return [f for f in self.findings if f.polarity == "concern"]

    @property
    def strengths(self) -> list[Finding]:
        return [f for f in self.findings if f.polarity == "strength"]

    def to_json(self) -> dict[str, Any]:
        return {"findings": [f.to_json() for f in self.findings], "safety": self.safety}
