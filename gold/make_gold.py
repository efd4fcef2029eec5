"""Build gold/seeds.json: the hand-made gold annotation of the seed articles.

The annotation is written below as data, in reading order, paragraph by paragraph:

- ``E(label, surface, occurrence)``: an entity mention. ``occurrence`` counts the whole-word
  matches of ``surface`` in the document, from 1, including matches that lie inside a longer
  mention (the standalone "Hosseini" is occurrence 2 because "Baqer Hosseini" holds the first).
- ``C(surface, stance, claim_type, checkworthy, claimant=(surface, occurrence))``: a claim, its
  stance toward the schema's target, its attributes, and the entity mention that asserts it
  (``None`` when the article itself asserts it).

Offsets are never typed: each surface is searched in the exact document text. A space in a
surface also matches a no-break space (U+00A0), which the seed texts contain; the span text
written out is always the document's own ``text[start:end]``. The script fails when a surface
is missing or ambiguous, when a label, stance or attribute is not in the schema, when a
claimant is not an annotated PERSON/ORG/GPE mention, when two entity mentions overlap, and
when a word that is annotated somewhere is left unannotated elsewhere in the same article.

Output: Label Studio's JSON export format, one task per seed article, region ids derived from
the document id and offsets so that a rebuild is byte-identical. Run from the project folder:
``.venv/bin/python gold/make_gold.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import string
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotate.corpus.reader import Document, load_corpus  # noqa: E402
from annotate.scheme.schema import Schema, load_schema  # noqa: E402

OUTPUT = ROOT / "gold" / "seeds.json"


@dataclass(frozen=True)
class E:
    """An entity mention: label, surface string, 1-based whole-word occurrence."""

    label: str
    surface: str
    occurrence: int


@dataclass(frozen=True)
class C:
    """A claim with stance, claim_type, checkworthy and claimant (surface, occurrence) or None."""

    surface: str
    stance: str
    claim_type: str
    checkworthy: str | None
    claimant: tuple[str, int] | None = None
    occurrence: int | None = None  # needed only when the surface occurs more than once


@dataclass(frozen=True)
class Article:
    stance: str
    stance_reason: str
    entities: tuple[E, ...]
    claims: tuple[C, ...]


GOLD: dict[str, Article] = {
    # Arutz Sheva-style report (Israel National News): Russia begins S-300 deliveries to Iran.
    "000_807a5a53ea6e07d4.txt": Article(
        stance="AGAINST",
        stance_reason=("reports the deliveries as starting, but frames them as a controversial "
                       "breach of UN sanctions to 'the worlds leading state sponsor of terror' and "
                       "ends on the danger to Israel"),
        entities=(
            # Title and photo caption.
            E("PERSON", "Vladimir Putin", 1), E("PERSON", "Hassan Rouhani", 1),
            E("PERSON", "Vladimir Putin", 2), E("PERSON", "Hassan Rouhani", 2),
            E("ORG", "Reuters", 1),
            # An aide to Russian President Vladimir Putin told Russian media on Thursday ...
            E("NORP", "Russian", 1), E("PERSON", "Vladimir Putin", 3), E("NORP", "Russian", 2),
            E("DATE", "Thursday", 1), E("WEAPON", "S-300", 1), E("GPE", "Iran", 1),
            # Speaking to TASS news agency, the aide Vladimir Kozhin said ...
            E("ORG", "TASS", 1), E("PERSON", "Vladimir Kozhin", 1), E("WEAPON", "S-300s", 1),
            # In mid November Iran said ... late last month Iranian Ambassador to Russia Mehdi Sanai ...
            E("DATE", "mid November", 1), E("GPE", "Iran", 2), E("DATE", "the end of the year", 1),
            E("DATE", "late last month", 1), E("NORP", "Iranian", 1), E("GPE", "Russia", 1),
            E("PERSON", "Mehdi Sanai", 1),
            # According to TASS the S-300PMU-2 configuration ...
            E("ORG", "TASS", 2), E("WEAPON", "S-300PMU-2", 1), E("QUANTITY", "195 kilometers", 1),
            E("QUANTITY", "121 miles", 1),
            # S-300 is designed to intercept ...
            E("WEAPON", "S-300", 2), E("WEAPON", "S-300PMU-2", 2),
            # The sale of the S-300, originally conducted in 2007 ...
            E("WEAPON", "S-300", 3), E("DATE", "2007", 1), E("NORP", "Western", 1),
            E("ORG", "UN", 1), E("GPE", "Iran", 3),
            # But in April, Russian President Vladimir Putin signed a decree ...
            E("DATE", "April", 1), E("NORP", "Russian", 3), E("PERSON", "Vladimir Putin", 4),
            E("WEAPON", "S-300", 4), E("GPE", "Iran", 4), E("GPE", "Iran", 5),
            # After the nuclear deal was reached, Russia's deputy foreign minister ...
            E("EVENT", "the nuclear deal", 1), E("GPE", "Russia", 2),
            E("PERSON", "Mikhail Bogdanov", 1), E("DATE", "August", 1), E("GPE", "Iran", 6),
            E("GPE", "Moscow", 1), E("GPE", "Tehran", 1), E("WEAPON", "S-300", 5),
            # Part of the International Atomic Energy Agency (IAEA) report ...
            E("ORG", "International Atomic Energy Agency", 1), E("ORG", "IAEA", 1),
            E("GPE", "Iran", 7), E("DATE", "Wednesday", 1), E("NORP", "Islamic", 1),
            E("DATE", "2009", 1), E("EVENT", "the nuclear deal", 2), E("ORG", "IAEA", 2),
            E("GPE", "Iran", 8),
            # Many have raised concerns that the S-300 ...
            E("WEAPON", "S-300", 6), E("GPE", "Israel", 1), E("GPE", "Iran", 9),
            E("NORP", "West", 1), E("GPE", "Iran", 10), E("NORP", "Israeli", 1),
        ),
        claims=(
            # "An aide to ... Putin" is Vladimir Kozhin, named in the next paragraph.
            C("delivery of the advanced S-300 anti-missile defense system to Iran is beginning",
              "FAVOR", "FACT", "YES", claimant=("Vladimir Kozhin", 1)),
            C("the contract is being implemented, (deliveries of S-300s) are starting",
              "FAVOR", "FACT", "YES", claimant=("Vladimir Kozhin", 1)),
            C("it would receive the controversial shipment of advanced air defense systems by the "
              "end of the year", "FAVOR", "PREDICTION", "YES", claimant=("Iran", 2)),
            C("the first deliveries had come in", "FAVOR", "FACT", "YES",
              claimant=("Mehdi Sanai", 1)),
            C("the S-300PMU-2 configuration of the missile system is being shipped",
              "FAVOR", "FACT", "YES", claimant=("TASS", 2)),
            # "which reportedly has ...": hedged by the article, not attributed to TASS.
            C("has a range of 195 kilometers (121 miles)", "NONE", "QUANTITY", "YES"),
            C("S-300 is designed to intercept aircraft and cruise missiles", "NONE", "FACT", "YES"),
            C("its more advanced models such as the S-300PMU-2 can also take down up to medium "
              "range ballistic missiles", "NONE", "FACT", "YES"),
            C("The sale of the S-300, originally conducted in 2007, has been repeatedly delayed "
              "due to Western pressure", "NONE", "FACT", "YES"),
            # Presents the delivery as a breach of sanctions.
            C("UN nuclear sanctions ban the delivery to Iran", "AGAINST", "FACT", "YES"),
            # Apposition to "the delivery to Iran": presents the recipient as a danger.
            C("the worlds leading state sponsor of terror", "AGAINST", "OPINION", "YES"),
            C("in April, Russian President Vladimir Putin signed a decree lifting a ban on the "
              "delivery of the S-300 systems to Iran", "FAVOR", "FACT", "YES"),
            # Putin's stated motive ("explaining that ..."): a judgement, not checkable.
            C("his decision was motivated by Iran's drive to find a solution in talks over its "
              "nuclear program", "FAVOR", "OPINION", "NO", claimant=("Vladimir Putin", 4)),
            C("his country and Iran had formally reached a deal for Moscow to deliver Tehran "
              "advanced S-300 missile systems", "FAVOR", "FACT", "YES",
              claimant=("Mikhail Bogdanov", 1)),
            C("Part of the International Atomic Energy Agency (IAEA) report on Iran's nuclear "
              "program was released Wednesday", "NONE", "FACT", "NO"),
            # "revealing ...": what the IAEA report says.
            C("the Islamic regime indeed has worked to build nuclear weapons at least until 2009",
              "NONE", "FACT", "YES", claimant=("International Atomic Energy Agency", 1)),
            # Describes the terms of an agreement already made: FACT, not PREDICTION.
            C("As part of the nuclear deal, the IAEA will allow Iran to inspect its own covert "
              "nuclear sites such as Parchin", "NONE", "FACT", "YES"),
            # "Many have raised concerns that ...": no named source.
            C("the S-300 will make possible attempts by Israel to strike Iran's nuclear program "
              "more difficult", "AGAINST", "PREDICTION", "YES"),
            C("the West already promised in the deal to protect Iran from Israeli sabotage",
              "NONE", "FACT", "YES"),
        ),
    ),
    # Iranian agency report (ICANA/Tasnim style): an MP praises Iran-Russia cooperation.
    "004_da0522d5e7e06331.txt": Article(
        stance="FAVOR",
        stance_reason=("Iranian report that praises Iran-Russia military cooperation and reports "
                       "the S-300 deliveries as going as planned, 'well ahead of schedule', for "
                       "'authorized' items only"),
        entities=(
            # Title, then the title twice again.
            E("GPE", "Tehran", 1), E("GPE", "Moscow", 1),
            E("GPE", "Tehran", 2), E("GPE", "Moscow", 2), E("GPE", "Tehran", 3), E("GPE", "Moscow", 3),
            # Improved military cooperation between Iran and Russia ...
            E("GPE", "Iran", 1), E("GPE", "Russia", 1),
            E("ORG", "Majlis National Security and Foreign Policy Commission", 1),
            # "None of those who pose as fighters ..." Baqer Hosseini also told ICANA on Wednesday.
            E("GPE", "United States", 1), E("GPE", "Iran", 2), E("GPE", "Russia", 2),
            E("PERSON", "Baqer Hosseini", 1), E("ORG", "ICANA", 1), E("DATE", "Wednesday", 1),
            # Russia and Iran have backed Syrian President Bashar al-Assad's fight ...
            E("GPE", "Russia", 3), E("GPE", "Iran", 3), E("NORP", "Syrian", 1),
            E("PERSON", "Bashar al-Assad", 1), E("DATE", "five-year-old", 1),
            E("GPE", "Saudi Arabia", 1), E("NORP", "western", 1), E("NORP", "Arab", 1),
            # Earlier this month, Russia delivered the first batch ...
            E("DATE", "Earlier this month", 1), E("GPE", "Russia", 4), E("WEAPON", "S-300", 1),
            E("GPE", "Tehran", 4), E("DATE", "July last year", 1),
            # The lawmaker said, "... cooperation with Russians ..."
            E("NORP", "Russians", 1),
            # A top Russian arms export official said on Tuesday ...
            E("NORP", "Russian", 1), E("DATE", "Tuesday", 1), E("WEAPON", "S-300", 2),
            # "... well ahead of schedule," Alexander Fomin was quoted by TASS news agency ...
            E("PERSON", "Alexander Fomin", 1), E("ORG", "TASS", 1),
            # Tehran is in talks with Moscow ...
            E("GPE", "Tehran", 5), E("GPE", "Moscow", 4),
            # "... not on the UN list ..."
            E("ORG", "UN", 1),
            # Hosseini said Iran-Russia cooperation ...
            E("PERSON", "Hosseini", 2), E("GPE", "Iran", 4), E("GPE", "Russia", 5),
            # "If Russia remains committed ..."
            E("GPE", "Russia", 6),
            # The S-300 surface-to-air system was first deployed ... Cold War in 1979.
            E("WEAPON", "S-300", 3), E("EVENT", "Cold War", 1), E("DATE", "1979", 1),
            # ... according to British security think tank RUSI ... around 150 km away ...
            E("NORP", "British", 1), E("ORG", "RUSI", 1), E("QUANTITY", "150 km", 1),
            # Iran bought the latest variants of the system, S-300 PMU-2 Favorite.
            E("GPE", "Iran", 5), E("WEAPON", "S-300 PMU-2 Favorite", 1),
            # S-300s have been operated by a number of countries ...
            E("WEAPON", "S-300s", 1), E("GPE", "Algeria", 1), E("GPE", "Azerbaijan", 1),
            E("GPE", "Belarus", 1), E("GPE", "Cyprus", 1), E("GPE", "Kazakhstan", 1),
            E("GPE", "Vietnam", 1),
            # Russia last exported S-300 systems in 2010 ... (S-300 no. 4 is inside "S-300 PMU-2")
            E("GPE", "Russia", 7), E("WEAPON", "S-300", 5), E("DATE", "2010", 1),
            E("QUANTITY", "15 squadrons", 1), E("GPE", "China", 1),
            # Production of S-300 systems was then suspended as Almaz-Antey ...
            E("WEAPON", "S-300", 6), E("ORG", "Almaz-Antey", 1), E("NORP", "Russian", 2),
            E("WEAPON", "S-400s", 1),
        ),
        claims=(
            # "a member of Majlis ... Commission said": Baqer Hosseini, named next.
            C("Improved military cooperation between Iran and Russia could provide an essential "
              "boost to the campaign against terrorism", "FAVOR", "OPINION", "NO",
              claimant=("Baqer Hosseini", 1)),
            C("None of those who pose as fighters against terrorism, such as the United States, "
              "have taken any step in this regard and have supported terrorists instead",
              "NONE", "FACT", "YES", claimant=("Baqer Hosseini", 1)),
            C("Iran-Russia cooperation is essential for the anti-terrorism campaign",
              "FAVOR", "OPINION", "NO", claimant=("Baqer Hosseini", 1)),
            C("Russia and Iran have backed Syrian President Bashar al-Assad's fight in a "
              "five-year-old war against armed rebel groups that enjoy the support of Saudi "
              "Arabia and its western and Arab allies, and seek to oust him",
              "NONE", "FACT", "YES"),
            C("Russia delivered the first batch of the S-300 air-defense missile system",
              "FAVOR", "FACT", "YES"),
            C("technology that was blocked before Tehran signed a deal with world powers on its "
              "nuclear program in July last year", "NONE", "FACT", "YES"),
            # "The lawmaker said, "I believe that ...": Baqer Hosseini.
            C("the upgrade of bilateral relations should have occurred long ago",
              "FAVOR", "OPINION", "NO", claimant=("Baqer Hosseini", 1)),
            C("We could have begun to enhance cooperation with Russians since early in the "
              "sanctions years", "FAVOR", "OPINION", "NO", claimant=("Baqer Hosseini", 1)),
            # "A top Russian arms export official": Alexander Fomin, named next.
            C("the delivery of S-300 systems is going as planned", "FAVOR", "FACT", "YES",
              claimant=("Alexander Fomin", 1)),
            C("we're well ahead of schedule", "FAVOR", "OPINION", "YES",
              claimant=("Alexander Fomin", 1)),
            # "he added": Fomin.
            C('Tehran is in talks with Moscow about the purchase of other "authorized" weaponry',
              "NONE", "FACT", "YES", claimant=("Alexander Fomin", 1)),
            # The bracketed gloss is the editor's, not the speaker's: left out.
            C("The talk is about only authorized items that are not on the UN list",
              "NONE", "FACT", "YES", claimant=("Alexander Fomin", 1)),
            C("Iran-Russia cooperation has so far been highly effective in the fight against "
              "terrorism", "FAVOR", "OPINION", "NO", claimant=("Hosseini", 2)),
            C("If Russia remains committed to this cooperation, we can take massive measures in "
              "the region that would lead to the elimination of terrorism",
              "FAVOR", "PREDICTION", "NO", claimant=("Hosseini", 2)),
            C("The S-300 surface-to-air system was first deployed at the height of the Cold War "
              "in 1979", "NONE", "FACT", "YES"),
            C("In its updated form, it is one of the most advanced systems of its kind",
              "NONE", "OPINION", "NO"),
            C("can engage multiple aircraft and ballistic missiles around 150 km away",
              "NONE", "QUANTITY", "YES", claimant=("RUSI", 1)),
            C("it has not yet been used in armed conflicts worldwide", "NONE", "FACT", "YES"),
            C("Iran bought the latest variants of the system, S-300 PMU-2 Favorite",
              "NONE", "FACT", "YES"),
            C("S-300s have been operated by a number of countries, including Algeria, Azerbaijan, "
              "Belarus, Cyprus, Kazakhstan and Vietnam", "NONE", "FACT", "YES"),
            C("Russia last exported S-300 systems in 2010, when 15 squadrons were delivered to "
              "China", "NONE", "FACT", "YES"),
            C("Production of S-300 systems was then suspended as Almaz-Antey, the main producer "
              "of Russian air defense equipment, launched production of the next-generation of "
              "S-400s", "NONE", "FACT", "YES"),
        ),
    ),
}


class GoldError(Exception):
    """A spec entry that does not fit the document text or the schema."""


def find(text: str, surface: str, occurrence: int | None, where: str) -> tuple[int, int]:
    """Offsets of the ``occurrence``-th whole-word match of ``surface`` (space also matches U+00A0).

    ``None`` means the only match: a surface found more than once is then ambiguous.
    """
    matches = whole_word_matches(text, surface)
    if not matches:
        raise GoldError(f"{where}: {surface!r} not found as whole words")
    if occurrence is None:
        if len(matches) > 1:
            raise GoldError(f"{where}: {surface!r} is ambiguous ({len(matches)} matches); "
                            "give its occurrence")
        occurrence = 1
    if not 1 <= occurrence <= len(matches):
        raise GoldError(f"{where}: {surface!r} occurrence {occurrence} asked, "
                        f"{len(matches)} found")
    start, end = matches[occurrence - 1]
    if text[start:end].replace("\u00a0", " ") != surface:
        raise GoldError(f"{where}: {surface!r} matched {text[start:end]!r}")
    return start, end


def whole_word_matches(text: str, surface: str) -> list[tuple[int, int]]:
    pattern = "".join("[ \u00a0]" if char == " " else re.escape(char) for char in surface)
    return [m.span() for m in re.finditer(rf"(?<!\w){pattern}(?!\w)", text)]


_ID_ALPHABET = string.digits + string.ascii_letters


def region_id(document_id: str, *parts: object) -> str:
    """A stable 10-character alphanumeric id (like Label Studio's) for one region of one document."""
    key = "\0".join([document_id, *map(str, parts)]).encode("utf-8")
    number = int.from_bytes(hashlib.sha256(key).digest(), "big")
    characters = []
    for _ in range(10):
        number, digit = divmod(number, len(_ID_ALPHABET))
        characters.append(_ID_ALPHABET[digit])
    return "".join(characters)


def span_value(text: str, start: int, end: int) -> dict[str, Any]:
    return {"start": start, "end": end, "text": text[start:end]}


def build_results(document: Document, article: Article, schema: Schema) -> list[dict[str, Any]]:
    """The Label Studio result list of one article, checked against text and schema."""
    text, doc = document.text, document.id
    entity_regions: dict[tuple[str, int], tuple[str, int, int, str]] = {}
    for entity in article.entities:
        where = f"{document.source} entity {entity}"
        if entity.label not in schema.entity_labels:
            raise GoldError(f"{where}: label not in the schema")
        key = (entity.surface, entity.occurrence)
        if key in entity_regions:
            raise GoldError(f"{where}: listed twice")
        start, end = find(text, entity.surface, entity.occurrence, where)
        entity_regions[key] = (region_id(doc, "entities", entity.label, start, end), start, end,
                               entity.label)
    check_entities(document, entity_regions)

    results: list[dict[str, Any]] = []
    for rid, start, end, label in sorted(entity_regions.values(), key=lambda r: (r[1], r[2])):
        results.append(region(rid, "entities", "labels",
                              {**span_value(text, start, end), "labels": [label]}))

    claim_results: list[dict[str, Any]] = []
    relations: list[dict[str, Any]] = []
    claim_spans: list[tuple[int, int]] = []
    for claim in article.claims:
        where = f"{document.source} claim {claim.surface[:40]!r}"
        start, end = find(text, claim.surface, claim.occurrence, where)
        if any(start < other_end and other_start < end for other_start, other_end in claim_spans):
            raise GoldError(f"{where}: overlaps another claim")
        claim_spans.append((start, end))
        check_choice(claim.stance, schema.stance.values, where, "stance")
        check_choice(claim.claim_type, schema.attribute("claim_type").values, where, "claim_type")
        if claim.checkworthy is not None:
            check_choice(claim.checkworthy, schema.attribute("checkworthy").values, where,
                         "checkworthy")
        rid = region_id(doc, "claims", schema.claims.label, start, end)
        value = span_value(text, start, end)
        claim_results.append(region(rid, "claims", "labels",
                                    {**value, "labels": [schema.claims.label]}))
        choices = [("claim_stance", claim.stance), ("claim_type", claim.claim_type),
                   ("checkworthy", claim.checkworthy)]
        for name, choice in choices:
            if choice is not None:
                claim_results.append(region(rid, name, "choices", {**value, "choices": [choice]}))
        if claim.claimant is not None:
            target = entity_regions.get(claim.claimant)
            if target is None:
                raise GoldError(f"{where}: claimant {claim.claimant} is not an annotated entity")
            if target[3] not in schema.claims.claimant_labels:
                raise GoldError(f"{where}: claimant {claim.claimant} is {target[3]}, not one of "
                                f"{', '.join(schema.claims.claimant_labels)}")
            relations.append({"from_id": rid, "to_id": target[0], "type": "relation",
                              "direction": "right", "labels": ["claimant"]})
    check_choice(article.stance, schema.stance.values, document.source, "document stance")
    document_stance = {"id": region_id(doc, "doc_stance"), "from_name": "doc_stance",
                       "to_name": "text", "type": "choices",
                       "value": {"choices": [article.stance]}, "origin": "manual"}
    results = results + claim_results + [document_stance] + relations
    ids = [r["id"] for r in results if r["type"] == "labels"] + [document_stance["id"]]
    if len(ids) != len(set(ids)):
        raise GoldError(f"{document.source}: two regions got the same id")
    return results


def region(rid: str, from_name: str, kind: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"id": rid, "from_name": from_name, "to_name": "text", "type": kind, "value": value,
            "origin": "manual"}


def check_choice(value: str, allowed: tuple[str, ...], where: str, what: str) -> None:
    if value not in allowed:
        raise GoldError(f"{where}: {what} {value!r} is not one of {', '.join(allowed)}")


def check_entities(document: Document, regions: dict[tuple[str, int], tuple[str, int, int, str]]) -> None:
    """No two mentions overlap, and every whole-word match of an annotated surface is covered."""
    spans = sorted((start, end, surface) for (surface, _), (_, start, end, _) in regions.items())
    for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
        if start < end:
            raise GoldError(f"{document.source}: mentions {first!r} and {second!r} overlap")
    for surface in sorted({surface for surface, _ in regions}):
        for start, end in whole_word_matches(document.text, surface):
            if not any(s <= start and end <= e for s, e, _ in spans):
                raise GoldError(f"{document.source}: {surface!r} at {start}-{end} is annotated "
                                "elsewhere but not here")


def build_tasks(corpus: str | Path = ROOT / "seeds") -> list[dict[str, Any]]:
    schema = load_schema(ROOT / "schemas" / "arms_news.yaml")
    documents = load_corpus(corpus).documents
    sources = [document.source for document in documents]
    if sorted(sources) != sorted(GOLD):
        raise GoldError(f"seed articles {sources} and gold entries {sorted(GOLD)} differ")
    tasks = []
    for number, document in enumerate(documents, start=1):
        results = build_results(document, GOLD[document.source], schema)
        tasks.append({
            "id": number,
            "data": {"text": document.text, "title": document.title,
                     "document_id": document.id, "source": document.source,
                     "sha256": document.sha256},
            "annotations": [{"id": number, "ground_truth": True, "was_cancelled": False,
                             "lead_time": None, "completed_by": None, "result": results}],
        })
    return tasks


def write_json(path: Path, value: Any) -> None:
    """Write ``value`` as indented JSON with a trailing newline, atomically."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(json.dumps(value, indent=1, ensure_ascii=False) + "\n")
        os.chmod(temporary, 0o644)  # mkstemp makes it private; this is a repository file
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def main() -> int:
    try:
        tasks = build_tasks()
    except GoldError as error:
        print(f"make_gold: {error}", file=sys.stderr)
        return 1
    write_json(OUTPUT, tasks)
    for task in tasks:
        result = task["annotations"][0]["result"]
        entities = sum(r["from_name"] == "entities" for r in result if "from_name" in r)
        claims = sum(r.get("from_name") == "claims" for r in result)
        relations = sum(r["type"] == "relation" for r in result)
        print(f"{task['data']['source']}: {entities} entities, {claims} claims, "
              f"{relations} claimants")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
