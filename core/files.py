"""Reading input files: the one I/O helper every reader of the engine goes through.

Every file the engine reads (scenario files, replay policies, benchmark instances, the
Grubhub MDRP tables, OpenStreetMap extracts) is opened here, so every one gets the same
guards, in this order:

1. it must be a **regular file** (a folder, ``/dev/zero``, a pipe or a socket is refused
   at once, before anything is read: opened non-blocking, checked with ``fstat``);
2. it must be at most a **size limit** (bytes; the file is never read past it, so a
   file that grows or lies about its size cannot exhaust memory);
3. text must be **UTF-8** (an optional byte-order mark is dropped); a bad byte is named
   with its line and offset;
4. JSON must be **nested at most** :data:`core.limits.MAX_JSON_DEPTH` deep (checked on
   the text before parsing, so 100,000 nested arrays are one clear error, not a
   ``RecursionError``), and its numbers must be finite (``NaN``, ``Infinity`` and
   ``1e400`` are not JSON numbers the engine accepts).

Files a scenario refers to are **confined** (:func:`confined_path`): they resolve
inside the scenario's folder or a data root the caller names, and anything else is
refused with one message that says nothing about the file (not whether it exists).

Every failure is a :class:`core.errors.InvalidInputError` whose field names the file
(:func:`file_field`, shortened) and whose rule says what is wrong.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

from core.errors import InvalidInputError
from core.limits import (
    MAX_JSON_BYTES,
    MAX_JSON_DEPTH,
    MAX_QUOTED_PATH_CHARS,
    MAX_TEXT_FILE_BYTES,
    shorten,
)

_CHUNK = 1 << 20


def file_field(kind: str, path: str | os.PathLike[str]) -> str:
    """How errors name a file: ``scenario 'path/to/file.json'`` (the path shortened)."""
    return f"{kind} {shorten(str(path), MAX_QUOTED_PATH_CHARS)!r}"


def _open_regular(path: str | os.PathLike[str], field: str) -> tuple[int, int]:
    """An open descriptor of a regular file and its size; never blocks on a pipe."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise InvalidInputError(field, "must be an existing file") from None
    except IsADirectoryError:
        raise InvalidInputError(field, "must be a regular file, not a folder") from None
    except PermissionError:
        raise InvalidInputError(field, "must be readable (permission denied)") from None
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise InvalidInputError(field, f"cannot be opened ({shorten(str(reason))})") from None
    try:
        info = os.fstat(fd)
    except OSError as error:
        os.close(fd)
        raise InvalidInputError(field, f"cannot be read ({error.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a device, pipe or socket"
        raise InvalidInputError(field, f"must be a regular file, not {kind}")
    return fd, info.st_size


def _too_large(size: int, max_bytes: int) -> str:
    return f"must be at most {max_bytes:,} bytes, got {size:,}"


def check_regular_file(
    path: str | os.PathLike[str], *, field: str, max_bytes: int = MAX_TEXT_FILE_BYTES
) -> Path:
    """``path`` after checking it is a readable regular file of at most ``max_bytes``
    (for files a library reads itself, such as an OSM extract or a CVRPLIB file).

    Raises:
        InvalidInputError: missing, unreadable, not a regular file, or too large.
    """
    fd, size = _open_regular(path, field)
    os.close(fd)
    if size > max_bytes:
        raise InvalidInputError(field, _too_large(size, max_bytes))
    return Path(path)


def read_bytes(
    path: str | os.PathLike[str], *, field: str, max_bytes: int = MAX_TEXT_FILE_BYTES
) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (never read past the limit).

    Raises:
        InvalidInputError: missing, unreadable, not a regular file, or too large.
    """
    fd, size = _open_regular(path, field)
    try:
        if size > max_bytes:
            raise InvalidInputError(field, _too_large(size, max_bytes))
        # Non-blocking was for opening only (a FIFO); a regular file reads normally.
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise InvalidInputError(field, f"must be at most {max_bytes:,} bytes")
    except OSError as error:
        raise InvalidInputError(field, f"cannot be read ({error.strerror})") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def decode_text(data: bytes, *, field: str) -> str:
    """UTF-8 text (a leading byte-order mark dropped).

    Raises:
        InvalidInputError: a byte that is not UTF-8, named with its line and offset.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        bad = data[error.start : error.start + 1].hex()
        raise InvalidInputError(
            field, f"must be UTF-8 text: byte 0x{bad} at offset {error.start} (line {line})"
        ) from None


def read_text(
    path: str | os.PathLike[str], *, field: str, max_bytes: int = MAX_TEXT_FILE_BYTES
) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes``.

    Raises:
        InvalidInputError: see :func:`read_bytes` and :func:`decode_text`.
    """
    return decode_text(read_bytes(path, field=field, max_bytes=max_bytes), field=field)


_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON text (brackets in strings do not
    count); linear in the text, no recursion."""
    depth = deepest = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {shorten(text, 40)} is too large for a float")
    return value


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(text: str, *, field: str, max_depth: int = MAX_JSON_DEPTH) -> object:
    """Decoded JSON, nested at most ``max_depth`` deep, with finite numbers only.

    Raises:
        InvalidInputError: not JSON (line and column named), nested too deeply, or a
            number that is not finite.
    """
    # Cheap first: text with fewer brackets than the limit cannot nest deeper.
    brackets = text.count("[") + text.count("{")
    depth = json_depth(text) if brackets > max_depth else 0
    if depth > max_depth:
        raise InvalidInputError(
            field, f"must be JSON nested at most {max_depth} deep, got {depth} levels"
        )
    try:
        return json.loads(text, parse_float=_finite_float, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise InvalidInputError(
            field,
            f"must be JSON (line {error.lineno} column {error.colno}: {shorten(error.msg)})",
        ) from None
    except RecursionError:  # the depth check above makes this unreachable in practice
        raise InvalidInputError(field, f"must be JSON nested at most {max_depth} deep") from None
    except ValueError as error:  # a non-finite number, or an integer too long to read
        raise InvalidInputError(field, f"must be JSON ({shorten(str(error))})") from None


def read_json(
    path: str | os.PathLike[str],
    *,
    field: str,
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
) -> object:
    """A JSON file read with every guard of this module.

    Raises:
        InvalidInputError: see :func:`read_text` and :func:`parse_json`.
    """
    text = read_text(path, field=field, max_bytes=max_bytes)
    return parse_json(text, field=field, max_depth=max_depth)


CONFINED_RULE = (
    "must name a file inside the scenario's folder or a --data-root folder "
    "(relative paths start at the scenario's folder)"
)


def confined_path(
    reference: str,
    *,
    base_dir: str | os.PathLike[str],
    roots: Sequence[str | os.PathLike[str]] = (),
) -> Path | None:
    """The file ``reference`` names (relative to ``base_dir``, or absolute), resolved, if
    it lies inside ``base_dir`` or one of ``roots``; None otherwise.

    Symbolic links are followed before the check, so a link cannot lead outside.  The
    answer does not depend on whether the file exists, so a caller that refuses None
    with :data:`CONFINED_RULE` reveals nothing about paths outside the allowed folders.
    """
    try:
        if "\x00" in reference:
            return None
        target = (Path(base_dir) / reference).resolve()
        allowed = [Path(base_dir).resolve(), *(Path(r).resolve() for r in roots)]
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a bad name
        return None
    return target if any(target.is_relative_to(root) for root in allowed) else None
