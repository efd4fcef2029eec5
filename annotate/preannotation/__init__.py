"""Pre-annotators: proposals laid into a task's one prediction before anyone annotates.

Takes a schema and document texts (and, for the memory, strings already labelled); gives Label
Studio prediction results (spans with scores). Knows nothing of Label Studio's API: push sends
what it proposes. Trained pre-annotators that learn from the project's annotations belong here.

Public names: ``matchers.PatternPreannotator``, ``matchers.AnnotationMemory``,
``matchers.CombinedPreannotator``, ``matchers.prediction``.
"""
