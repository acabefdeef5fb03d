"""The errors duiyi raises for users: each message names the thing and, where it can, the fix.

The CLI turns any `DuiyiError` into one line on stderr and exit status 1.
"""


class DuiyiError(Exception):
    """Base class of every error meant for a user."""


class InputError(DuiyiError):
    """An input file or stream cannot be used (missing, binary, undecodable, empty, malformed)."""


class EmptyInput(InputError):
    """An input holds no text (an empty side of an alignment is a warning, not an error)."""


class ModelNotFound(DuiyiError):
    """No translation model is installed (or can be downloaded) for what was asked."""


class StoreError(DuiyiError):
    """The corpus store cannot be opened, read or written."""


class FormatError(DuiyiError):
    """A file is not in the format it claims (TMX, XML, .align, …)."""


class OutputError(DuiyiError):
    """An output cannot be written where the user asked (a folder, an input, no permission)."""
