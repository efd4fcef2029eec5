"""Child processes that tests interrupt as a person would, with Ctrl-C (SIGINT)."""

from __future__ import annotations

import signal


def interruptible() -> None:
    """``preexec_fn`` of a child that SIGINT must stop: a shell without job control starts
    background jobs with SIGINT ignored, and a child would inherit that (and never stop)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
