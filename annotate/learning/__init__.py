"""Pre-annotators that learn from the project's own annotations.

Takes a pulled file (raw Label Studio tasks) and the schema; learns from the gold of each
completed document (``training_data``, as the export merges it) an entity tagger and a claim
finder (CRFs, ``tagger``) and the stance and attribute classifiers (``classifier``); writes a
model folder with held-out scores (``train``); reads it back and proposes annotations with
confidences (``model``), as Label Studio results for push (``preannotator``). Never imports Label
Studio code.

Public names: ``train.train``, ``model.Model``, ``preannotator.ModelPreannotator``.
"""
