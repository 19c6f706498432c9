"""Named exceptions for the caller's mistakes.

Per-item failures (a feed that answers 500, a page that is a PDF) are not exceptions: they are
recorded as data with a reason code. These are for what stops a run before it starts.
"""


class NewsflowError(Exception):
    """Base class: the CLI prints the message on one line and exits non-zero."""


class ConfigError(NewsflowError):
    """A configuration file is missing, unreadable or invalid."""


class DatabaseError(NewsflowError):
    """The DuckDB file cannot be opened or migrated."""
