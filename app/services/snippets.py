"""Where a text matched, for people to see why (docs/text.md): the words of a similar
proposal's title that it shares with the one being written, and a search result's snippet
with the query's words marked.

A text becomes `Segment`s — plain and marked pieces in order — which the templates render
with <mark> (the `marked` filter escapes every piece) and the API returns as a plain
snippet with its `matched_words`.
"""

import unicodedata
from dataclasses import dataclass

from app.services.japanese import analyse, query_words, word_keys

SNIPPET_BEFORE = 30
SNIPPET_LENGTH = 110


@dataclass(frozen=True)
class Segment:
    text: str
    marked: bool = False


def segments(text: str, spans: list[tuple[int, int]]) -> list[Segment]:
    """`text` cut into plain and marked pieces at `spans` (overlaps merged)."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces: list[Segment] = []
    at = 0
    for start, end in merged:
        if start > at:
            pieces.append(Segment(text[at:start]))
        pieces.append(Segment(text[start:end], True))
        at = end
    if at < len(text):
        pieces.append(Segment(text[at:]))
    return pieces


def word_spans(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Where the words of `text` having one of the features `terms` stand."""
    return [(w.start, w.end) for w in analyse(text) if terms & word_keys(w).keys()]


def mark_words(text: str, terms: set[str]) -> list[Segment]:
    return segments(text, word_spans(text, terms))


def _folded_with_positions(text: str) -> tuple[str, list[int]]:
    """NFKC + case folding, character by character, with each folded character's place
    in `text` (so a match in the folded text marks the original)."""
    folded: list[str] = []
    places: list[int] = []
    for i, char in enumerate(text):
        for piece in unicodedata.normalize("NFKC", char).casefold():
            folded.append(piece)
            places.append(i)
    return "".join(folded), places


def substring_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Every occurrence of each (NFKC, case-folded) term in `text`: the 1–2 character
    queries that have no word of their own (印 in 印刷) are marked where they stand."""
    folded, places = _folded_with_positions(text)
    spans = []
    for term in terms:
        needle = unicodedata.normalize("NFKC", term).casefold()
        if not needle:
            continue
        start = folded.find(needle)
        while start >= 0:
            end = start + len(needle)
            spans.append((places[start], places[end - 1] + 1))
            start = folded.find(needle, end)
    return spans


@dataclass
class Snippet:
    segments: list[Segment]
    matched_words: list[str]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


def _spans(text: str, terms: list[str], words: set[str]) -> list[tuple[int, int]]:
    """The query's words where they stand, and the terms whose words are not all there
    (印 has none; 窓口業務 is two) as substrings."""
    analysed = analyse(text)
    spans = [(w.start, w.end) for w in analysed if words & word_keys(w).keys()]
    present = {key for w in analysed for key in word_keys(w)}
    for term in terms:
        own = set(query_words(term))
        if not own or not own <= present:
            spans += substring_spans(text, [term])
    return spans


def snippet(texts: list[str], *, terms: list[str], words: set[str]) -> Snippet | None:
    """A window of the first text where the query matched — by one of its words (`words`,
    the analysed query, so 押印を廃止 finds and marks 押印の廃止) or as a substring
    (`terms`, the query split on spaces) — with every match in the window marked, and the
    matched pieces in order; None when nothing matches."""
    for text in texts:
        if not text:
            continue
        spans = _spans(text, terms, words)
        if not spans:
            continue
        first = min(start for start, _ in spans)
        start = max(0, first - SNIPPET_BEFORE)
        end = min(len(text), start + SNIPPET_LENGTH)
        inside = sorted(
            (max(a, start) - start, min(b, end) - start) for a, b in spans if a < end and b > start
        )
        pieces = segments(text[start:end], inside)
        if start > 0:
            pieces.insert(0, Segment("…"))
        if end < len(text):
            pieces.append(Segment("…"))
        window = text[start:end]
        matched = list(dict.fromkeys(window[a:b] for a, b in inside))
        return Snippet(pieces, matched)
    return None


def search_snippets(proposals: list, q: str) -> dict[int, Snippet]:
    """For each proposal found by the search `q`, where it matched (title first, then the
    four texts in the form's order)."""
    from app.models.proposal import TEXT_FIELDS

    terms = [t for t in q.split() if t]
    words = set(query_words(q))
    found = {}
    for proposal in proposals:
        texts = [proposal.title, *(getattr(proposal, name) or "" for name in TEXT_FIELDS)]
        result = snippet(texts, terms=terms, words=words)
        if result is not None:
            found[proposal.id] = result
    return found
