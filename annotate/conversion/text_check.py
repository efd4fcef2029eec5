"""The checksum that push puts beside each task's text, and the check that the text is unchanged.

Every offset indexes the text exactly as push sent it. A text edited in Label Studio afterwards
(the data manager lets a task's data be changed) would move every span, and would be published
under a document id that names another text. Push stores the SHA-256 of the UTF-8 text in the
task's data (``text_sha256``); conversion refuses a task whose text no longer matches it. Tasks
pushed before the checksum existed carry none: they are checked against the corpus when the
caller has it, otherwise they get a warning.
"""

from __future__ import annotations

from annotate.corpus.identity import text_checksum

__all__ = ["NO_TEXT_CHECKSUM", "TEXT_CHECKSUM", "corpus_differs_message", "edited_text_message", "text_checksum"]

TEXT_CHECKSUM = "text_sha256"  # the key in a task's data
NO_TEXT_CHECKSUM = "tasks_without_text_checksum"  # the warning kind, named as the export counts it


def edited_text_message(recorded: str) -> str:
    """The problem of a task whose text is not the one push sent (``recorded`` checksum)."""
    return (f"data.text is not the text annotate push sent (its {TEXT_CHECKSUM} {recorded[:12]}... does not match): "
            "it was edited in Label Studio, so the offsets no longer point where the annotators put them; "
            "restore the pushed text in Label Studio, or correct the article in the corpus and run annotate push --update-texts")


def corpus_differs_message() -> str:
    """The problem of a task without a checksum whose text differs from the corpus document."""
    return ("data.text differs from the corpus document of the same id (the task was pushed before annotate "
            "recorded text checksums, and its text was changed since); restore the text in Label Studio, or "
            "run annotate push --update-texts to carry the annotations onto the corpus text")
