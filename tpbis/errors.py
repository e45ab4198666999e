"""The errors a command reports to a person, each with its exit code (contract section 2).

Exit codes of every command: 0 done; 1 done, but some village failed; 2 bad usage or
configuration (nothing was changed); 3 could not run (another sync holds the warehouse,
disk full, a damaged file it cannot repair).

Code anywhere raises a subclass of `TpbisError` with a message that fits on one line and
names what to fix (an absolute path, a file:line:column, a variable); the command line
turns it into that one line on stderr and the exit code, with a traceback only under
`--verbose`. Anything else that escapes a command is a bug and is reported as such.
"""
from __future__ import annotations


class TpbisError(Exception):
    """An error a person can act on. `str(e)` is the one line shown to them."""

    exit_code = 2


class UsageError(TpbisError):
    """Bad usage or configuration: a bad option, registry or setting. Nothing was changed."""

    exit_code = 2


class CannotRun(TpbisError):
    """The job could not run: another sync holds the warehouse, the disk is full, a damaged
    file that cannot be repaired. Nothing was changed (or what changed was rolled back)."""

    exit_code = 3
