"""Errors the assistant raises, translated to one line at the CLI and one JSON shape in the API.

    AssistantError
    ├── ConfigError        a setting is missing or invalid
    ├── DocumentError      a file could not be loaded (names the file and the reason)
    ├── DocumentNotFound   no indexed document has the id asked for
    ├── IndexBusyError     another ingest holds the lock
    ├── IndexEmptyError    nothing has been ingested yet (says how to fill the index)
    ├── QuestionError      the question is empty, too long or unusable
    └── AccessDenied       an admin-only action without a valid token
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class; the message is meant for the user and names the fix."""


class ConfigError(AssistantError):
    pass


class DocumentError(AssistantError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class DocumentNotFound(AssistantError):
    pass


class IndexBusyError(AssistantError):
    pass


class IndexEmptyError(AssistantError):
    pass


class QuestionError(AssistantError):
    pass


class AccessDenied(AssistantError):
    pass
