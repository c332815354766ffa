"""Seller Policy Assistant: bilingual, cited answers about AliExpress seller policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Answer", "Assistant", "AssistantError", "Citation", "Settings", "__version__"]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from .pipeline import Assistant
    from .errors import AssistantError
    from .schema import Answer, Citation
    from .settings import Settings

_LAZY = {"Assistant": ".pipeline", "AssistantError": ".errors", "Answer": ".schema", "Citation": ".schema",
         "Settings": ".settings"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
