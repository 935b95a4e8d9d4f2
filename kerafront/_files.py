"""Reading files that come from outside kerafront: regular files only, and JSON of bounded depth.

``open_regular(path, what)`` refuses anything that is not a regular file once links are followed
(a directory, a FIFO, ``/dev/zero``, a socket, a link loop) with a ``ValueError`` naming the path
and what it is, before reading a byte. It never blocks: the path is checked with ``os.stat`` first,
then opened with ``O_NONBLOCK`` and checked again on the open descriptor, so a path swapped for a
FIFO between the two checks is refused too.

``loads_json(raw, where)`` parses JSON and refuses nesting deeper than ``MAX_JSON_DEPTH`` with a
``ValueError`` naming ``where`` -- never a ``RecursionError``.

Standard library only: ``kerafront.config`` reads ``kerafront.json`` through it during import.
"""

import errno
import json
import os
import stat

MAX_JSON_DEPTH = 64

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _refuse_irregular(path, mode, what):
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    real = os.path.realpath(path)
    shown = path if real == os.path.abspath(path) else f"{path} (a link to {real})"
    raise ValueError(f"{what}: {shown} is {kind}; kerafront reads only regular files. Pass the path of the "
                     "file itself.")


def open_regular(path, what="file"):
    """``path`` opened for binary reading; ``ValueError`` when it is not a regular file.

    ``FileNotFoundError`` (and ``PermissionError``) pass through unchanged; a symbolic-link loop is a
    ``ValueError``. ``what`` names the reader in messages (``"load_model"``).
    """
    path = os.fspath(path)
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ValueError(f"{what}: {path} is a loop of symbolic links, not a regular file.") from None
        raise
    _refuse_irregular(path, mode, what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    try:
        _refuse_irregular(path, os.fstat(descriptor).st_mode, what)
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def loads_json(raw, where, max_depth=MAX_JSON_DEPTH):
    """``raw`` (UTF-8 bytes or text) parsed as JSON, at most ``max_depth`` arrays/objects deep."""
    too_deep = (f"{where} nests arrays/objects deeper than {max_depth} levels; refusing it (a kerafront file "
                "never nests that deep).")
    try:
        value = json.loads(raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw)
    except RecursionError:
        raise ValueError(too_deep) from None
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{where} is not valid JSON ({error}).") from None
    if json_depth(value) > max_depth:
        raise ValueError(too_deep)
    return value


def json_depth(value):
    """How many arrays/objects deep ``value`` nests (0 for a scalar), counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest
