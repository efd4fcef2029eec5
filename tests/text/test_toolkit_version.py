"""The toolkit version names what derived rows look like: changing the tokenizer or the sentence
splitter changes the ``ner`` and ``claims`` rows of every later export, and an export's changelog
and manifest explain such changes by the toolkit version alone. So the output of both, over a
fixed set of tricky texts, is pinned per version: a change that moves it must bump
``annotate.__version__`` (and add its digest here)."""

from __future__ import annotations

import hashlib
import json

from annotate import __version__
from annotate.text.sentences import sentence_spans
from annotate.text.tokens import tokenize

TEXTS = [
    "Tehran-Moscow Coop. Vital to Fight Terrorism\r\n\r\nMr. J. Smith said: \"It works.\" The U.S. agreed on Jan. 5!",
    "Re\u0301sume\u0301 \U0001F44D\U0001F3FD \U0001F468\u200d\U0001F469\u200d\U0001F467 \U0001F6F0\ufe0f "
    "\U0001F1F7\U0001F1FA\U0001F1EE\U0001F1F7\U0001F1FA",
    "The S-300PMU-2 cost $1,000.5 million; Rouhani's aide (Gen. Sanai) said e.g. this\u2026 Done? Yes! no.",
    "Iran\u00a0and Russia \u2014 \u201cdeliveries are starting,\u201d he said.\nNew line\rOld Mac line",
    "\u6771\u4eac\u3068\u30e2\u30b9\u30af\u30ef\u3002 \u0939\u093f\u0928\u094d\u0926\u0940 \u0627\u0644\u0639\u0631\u0628\u064a\u0629.",
]

DERIVED_DIGESTS = {
    "0.2.0": "fcfd803c4afdb2cb0474ec8278f41b481b21c7821d5f3eb6d2b5d96015cd7751",
    "0.3.0": "fcfd803c4afdb2cb0474ec8278f41b481b21c7821d5f3eb6d2b5d96015cd7751",  # tokens and sentences as 0.2.0
}


def _derived_digest() -> str:
    rows = [{"sentences": sentence_spans(text), "tokens": tokenize(text, [5, 17, 40])} for text in TEXTS]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()


def test_tokens_and_sentences_are_those_pinned_for_this_toolkit_version():
    assert __version__ in DERIVED_DIGESTS, f"add the digest of annotate {__version__} to DERIVED_DIGESTS"
    assert _derived_digest() == DERIVED_DIGESTS[__version__], (
        "tokens or sentences changed: bump annotate.__version__ and pin the new digest "
        f"({_derived_digest()}) for it; keep the old versions' digests as they are")
