"""The public surface and the docs agree with the code."""

from __future__ import annotations

import re

import assistant
from assistant.settings import Settings
from conftest import ROOT


def test_all_lists_exactly_the_public_names():
    for name in assistant.__all__:
        assert getattr(assistant, name) is not None, name
    assert set(assistant.__all__) == set(assistant._LAZY) | {"__version__"}


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert f"ASSISTANT_{name.upper()}" in readme, name
        assert field.description, f"{name} has no help text"


def test_unknown_setting_is_rejected(monkeypatch):
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Settings(no_such_setting=1)


def test_readme_starts_with_the_two_commands():
    head = (ROOT / "README.md").read_text(encoding="utf-8")[:400]
    assert re.search(r"make run", head) and re.search(r"make test", head)
