"""Adjudication: the documents whose annotators disagree, a proposal for each, and the curation
project in Label Studio where a curator decides them (``annotate adjudicate``)."""
