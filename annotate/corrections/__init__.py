"""Corrected articles: a new text version without losing a single annotation.

An article keeps its id when its text is corrected (ids follow the source: annotate.corpus.identity).
This stage finds what a correction changes and carries every region onto the new text, without
talking to Label Studio (``annotate.studio.corrections`` does that):

- ``diff``: the character-level diff (diff-match-patch) and the mapping of spans;
- ``carry``: one result list carried over: regions moved, marked for review, removed;
- ``plan``: one corrected article: its new task data and every annotation, draft and prediction;
- ``history``: the JSON report kept beside the corpus, which is also the journal that lets a
  killed push finish the correction it started.
"""
