"""Writing files so that nothing is ever half-written, reading the small JSON records beside
them, and telling whether a process still runs (to clean up what a killed run left behind)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from annotate.errors import AnnotateError


def write_atomically(path: Path, text: str, *, mode: int = 0o644) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` through a temporary file in the same
    folder, flushed to disk and renamed into place: readers see the old file or the new one, never
    a part. The temporary file has ``mode`` from the moment it exists (0o600 for secrets)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)  # the umask may have narrowed it
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def read_json_object(path: Path, error: type[AnnotateError], what: str, advice: str) -> dict[str, Any]:
    """The JSON object in ``path``; otherwise ``error``, one line naming the file, ``what`` it
    holds ("the manifest") and ``advice`` (what to do)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as problem:
        raise error(f"{path}: cannot read {what} ({problem}); {advice}") from None
    if not isinstance(data, dict):
        raise error(f"{path}: {what} is not a JSON object; {advice}")
    return data


def remove_leftovers(folder: Path, prefix: str, *, separator: str, suffixes: tuple[str, ...] = ("",)) -> None:
    """Remove what killed runs left in ``folder``: the files and folders named
    ``<prefix><pid><separator>...`` (and ending with one of ``suffixes``) whose process ``pid``
    no longer runs. This process's own, and names of any other shape, are kept."""
    escaped = "".join(f"[{char}]" if char in "*?[" else char for char in prefix)
    for leftover in folder.glob(escaped + "*"):
        pid_text, found, _ = leftover.name[len(prefix):].partition(separator)
        if not found or not pid_text.isdigit() or not leftover.name.endswith(suffixes):
            continue
        if int(pid_text) == os.getpid() or process_alive(int(pid_text)):
            continue
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                leftover.unlink()


def process_alive(pid: int) -> bool:
    """True while ``pid`` is a running process (a zombie counts as gone; our own child is reaped)."""
    with contextlib.suppress(ChildProcessError, OSError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
