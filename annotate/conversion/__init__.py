"""Conversion: raw Label Studio tasks into checked records.

Takes a task of Label Studio's JSON export (streamed by ``task_stream.iter_tasks``); gives a
:class:`~annotate.conversion.records.DocumentRecord` of annotations whose every span slices the
text, and a :class:`~annotate.conversion.problems.Problem` for everything that does not fit.
Annotators are named by pseudonyms (``pseudonyms``).

Public names: ``convert.convert_task``, ``records`` (Span, Claim, Annotation, DocumentRecord,
GoldDocument), ``problems.Problem``, ``task_stream.iter_tasks``.
"""
