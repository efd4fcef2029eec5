"""A synthetic news corpus with its gold annotation, as Label Studio export tasks.

Articles are made of sentence frames with slots for people, organisations, places, dates,
weapons and quantities, and one claim per frame whose stance the frame's wording carries. Two
properties make it a test of learning rather than of memory:

- names come from pools that do not overlap: ``corpus(..., names="train")`` and
  ``corpus(..., names="test")`` never share a person, organisation or place;
- frames come in two halves: training articles use only the ``seen`` frames, test articles use
  seen and ``unseen`` frames alike, and every region records which kind its sentence was.

Everything is drawn from a seeded ``random.Random``: the same arguments give the same tasks.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

_SYLLABLES = ("ka", "lo", "mir", "ven", "to", "ras", "el", "dun", "sa", "bri", "gor", "na", "vil", "te", "xo",
              "ar", "mun", "de", "li", "zan", "pe", "ros", "ul", "ham", "ki", "bor", "se", "tal", "qu", "fen")
ORG_WORDS = ("Group", "Systems", "Agency", "Ministry", "Industries", "Council", "Holdings", "Corporation")
WEAPONS = ("S-300", "S-400", "Su-35", "MiG-29", "T-90A", "Tor-M2", "Buk-M3", "Pantsir-S1")
DATES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "late March", "mid November", "2016")
NUMBERS = ("two", "four", "12", "16", "24", "40")
UNITS = ("launchers", "systems", "missiles", "squadrons")

# Each frame: the sentence, with [[...]] around the claim and {SLOT}s; the stance of its claim.
SEEN_FRAMES = (
    ("{PERSON}, a spokesman for {ORG}, said on {DATE} that [[{GPE} had received {QTY} of the {WEAPON}]].", "FAVOR"),
    ("Officials in {GPE} warned that [[the {WEAPON} deal threatens the whole region]], {PERSON} told reporters.",
     "AGAINST"),
    ("{ORG} reported on {DATE} that [[{QTY} were shipped to {GPE}]].", "NONE"),
    ("According to {PERSON}, [[the delivery of the {WEAPON} to {GPE} is ahead of schedule]].", "FAVOR"),
    ("{PERSON} of {ORG} condemned the sale, saying [[the {WEAPON} would destabilise {GPE}]].", "AGAINST"),
    ("In {GPE}, {ORG} noted that [[{QTY} arrived on {DATE}]].", "NONE"),
)
UNSEEN_FRAMES = (
    ("Speaking in {GPE} on {DATE}, {PERSON} welcomed news that [[the {WEAPON} contract is being honoured]].",
     "FAVOR"),
    ("A statement from {ORG} argued that [[sending {QTY} to {GPE} breaks the embargo]], {PERSON} added.", "AGAINST"),
    ("{PERSON} confirmed to {ORG} that [[{GPE} has ordered {QTY}]].", "NONE"),
    ("Analysts at {ORG} praised the agreement, and {PERSON} said [[{GPE} will be safer with the {WEAPON}]].",
     "FAVOR"),
    ("On {DATE}, {PERSON} told {ORG} that [[the {WEAPON} shipments to {GPE} are a grave mistake]].", "AGAINST"),
    ("{ORG} in {GPE} said [[talks on the {WEAPON} continue]], according to {PERSON}.", "NONE"),
)
_SLOT = re.compile(r"\{(PERSON|ORG|GPE|DATE|WEAPON|QTY)\}|\[\[|\]\]")
_LABEL = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "GPE", "DATE": "DATE", "WEAPON": "WEAPON", "QTY": "QUANTITY"}
NAME_LABELS = ("PERSON", "ORG", "GPE")


@dataclass(frozen=True)
class Names:
    """The people, organisations and places one half of the corpus may name."""

    people: tuple[str, ...]
    orgs: tuple[str, ...]
    places: tuple[str, ...]


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables)).capitalize()


def name_pools(seed: int = 7, size: int = 300) -> dict[str, Names]:
    """Disjoint ``train`` and ``test`` pools of made-up names (no word of one is in the other)."""
    rng = random.Random(seed)
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < size * 8:
        word = _word(rng, rng.choice((2, 3)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    pools = {}
    for half, chunk in (("train", words[:size * 4]), ("test", words[size * 4:])):
        people = tuple(f"{chunk[i]} {chunk[i + 1]}" for i in range(0, size * 2, 2))
        orgs = tuple(f"{chunk[size * 2 + i]} {ORG_WORDS[i % len(ORG_WORDS)]}" for i in range(size))
        places = tuple(chunk[size * 3 + i] for i in range(size))
        pools[half] = Names(people, orgs, places)
    return pools


def article(rng: random.Random, names: Names, frames: list[tuple[tuple[str, str], str]],
            number: int) -> tuple[str, list[dict[str, Any]], str]:
    """(text, regions, document stance) of one article from ``frames`` (each with its kind)."""
    text = f"Report {number}\n"
    regions: list[dict[str, Any]] = []
    stances = []
    for (frame, stance), kind in frames:
        claim_start = None
        position = 0
        sentence = ""
        spans = []
        for match in _SLOT.finditer(frame):
            sentence += frame[position:match.start()]
            position = match.end()
            token = match.group(0)
            if token == "[[":
                claim_start = len(text) + len(sentence)
                continue
            if token == "]]":
                regions.append({"kind": kind, "label": "CLAIM", "start": claim_start, "end": len(text) + len(sentence),
                                "stance": stance})
                continue
            slot = match.group(1)
            value = {"PERSON": lambda: rng.choice(names.people), "ORG": lambda: rng.choice(names.orgs),
                     "GPE": lambda: rng.choice(names.places), "DATE": lambda: rng.choice(DATES),
                     "WEAPON": lambda: rng.choice(WEAPONS),
                     "QTY": lambda: f"{rng.choice(NUMBERS)} {rng.choice(UNITS)}"}[slot]()
            start = len(text) + len(sentence)
            sentence += value
            spans.append({"kind": kind, "label": _LABEL[slot], "start": start, "end": start + len(value)})
        sentence += frame[position:]
        sentence = sentence[0].upper() + sentence[1:]
        text += sentence + " "
        regions += spans
        stances.append(stance)
    text = text.rstrip() + "\n"
    counts = {value: stances.count(value) for value in ("FAVOR", "AGAINST", "NONE")}
    document_stance = max(("FAVOR", "AGAINST", "NONE"), key=lambda value: (counts[value], value == "NONE"))
    return text, regions, document_stance


def corpus(count: int, *, names: str = "train", unseen_share: float = 0.0, seed: int = 1,
           first_number: int = 0) -> list[dict[str, Any]]:
    """``count`` annotated tasks. ``unseen_share`` of the sentences use unseen frames."""
    rng = random.Random(f"{seed}-{names}-{unseen_share}")
    pool = name_pools()[names]
    tasks = []
    for offset in range(count):
        number = first_number + offset
        frames = []
        for _ in range(rng.randint(3, 5)):
            if rng.random() < unseen_share:
                frames.append((rng.choice(UNSEEN_FRAMES), "unseen"))
            else:
                frames.append((rng.choice(SEEN_FRAMES), "seen"))
        text, regions, stance = article(rng, pool, frames, number)
        tasks.append(_task(number, text, regions, stance, names))
    return tasks


def _task(number: int, text: str, regions: list[dict[str, Any]], stance: str, half: str) -> dict[str, Any]:
    result: list[dict[str, Any]] = []
    for index, region in enumerate(regions):
        region_id = f"r{index}"
        value = {"start": region["start"], "end": region["end"], "text": text[region["start"]:region["end"]]}
        if region["label"] == "CLAIM":
            result.append({"id": region_id, "from_name": "claims", "to_name": "text", "type": "labels",
                           "meta": {"frame": region["kind"]}, "value": {**value, "labels": ["CLAIM"]}})
            result.append({"id": region_id, "from_name": "claim_stance", "to_name": "text", "type": "choices",
                           "value": {**value, "choices": [region["stance"]]}})
            result.append({"id": region_id, "from_name": "claim_type", "to_name": "text", "type": "choices",
                           "value": {**value, "choices": ["FACT"]}})
        else:
            result.append({"id": region_id, "from_name": "entities", "to_name": "text", "type": "labels",
                           "meta": {"frame": region["kind"]}, "value": {**value, "labels": [region["label"]]}})
    result.append({"id": "doc", "from_name": "doc_stance", "to_name": "text", "type": "choices",
                   "value": {"choices": [stance]}})
    annotation = {"id": 100000 + number, "completed_by": 1, "result": result, "was_cancelled": False,
                  "ground_truth": False, "created_at": "2025-02-01T09:00:00Z", "updated_at": "2025-02-01T09:00:00Z",
                  "lead_time": 60.0}
    return {"id": number + 1, "data": {"text": text, "title": f"Report {number}",
                                       "document_id": f"synthetic-{half}-{number:05d}", "source": "synthetic.jsonl"},
            "annotations": [annotation], "predictions": []}


def frame_of(task: dict[str, Any]) -> dict[tuple[int, int, str], str]:
    """``(start, end, label) -> "seen" | "unseen"`` for the task's gold entities and claims."""
    found = {}
    for item in task["annotations"][0]["result"]:
        if item.get("type") == "labels":
            value = item["value"]
            found[(value["start"], value["end"], value["labels"][0])] = item["meta"]["frame"]
    return found
