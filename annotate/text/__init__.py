"""Text: tokens and sentences, with exact character offsets.

Takes a document text and its spans; gives tokens, IOB2 tags and sentence spans whose offsets
index the text. Pinned per toolkit version (the derived rows of a dataset depend on them).

Public names: ``tokens.tokenize``, ``tokens.iob2_tags``, ``sentences.sentence_spans``.
"""
