"""Errors that the command line reports as a plain message and a non-zero exit, never a traceback."""


class MediakgError(Exception):
    """A failure the user can act on; ``str(error)`` is the whole message."""

    exit_code = 1


class UsageError(MediakgError):
    """Bad arguments or inputs named on the command line."""

    exit_code = 2
