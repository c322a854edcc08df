"""`rehearse check`: a broken data file is one clear line, before any server starts."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot import guide, preflight


def test_the_shipped_data_loads():
    assert preflight.check_data() == []


def _problems_with_guide_file(tmp_path, monkeypatch, content: str) -> list[str]:
    """Run the check with data/guide/texts.yml replaced by ``content``."""
    broken = tmp_path / "texts.yml"
    broken.write_text(content)
    monkeypatch.setattr(guide, "GUIDE_FILE", broken)
    guide._load.cache_clear()
    try:
        return preflight.check_data()
    finally:
        guide._load.cache_clear()


def test_malformed_yaml_names_the_file_and_line(tmp_path, monkeypatch):
    problems = _problems_with_guide_file(tmp_path, monkeypatch, "version: 1\ntexts:\n  welcome: [unclosed\n  other: fine\n")
    assert len(problems) == 1
    assert problems[0].startswith("guide texts (data/guide/):")
    assert "texts.yml" in problems[0] and "line" in problems[0]


def test_a_missing_section_is_reported_not_raised(tmp_path, monkeypatch):
    problems = _problems_with_guide_file(tmp_path, monkeypatch, "version: 1\nbuttons: {}\noutcomes: {}\n")
    assert problems and "texts" in problems[0]


def test_the_command_exits_zero_on_good_data():
    rehearse = Path(sys.executable).with_name("rehearse")
    result = subprocess.run([str(rehearse), "check"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "All data files load" in result.stdout
