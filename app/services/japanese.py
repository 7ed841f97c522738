"""The Japanese analyser behind similar-proposal hints, initiative suggestions and search
ranking (docs/text.md).

It runs SudachiPy (a maintained morphological analyser, Rust inside) with its *core*
dictionary, both installed from PyPI packages (`sudachipy`, `sudachidict_core`): nothing is
downloaded at run time and no text leaves the machine.

A text becomes a list of `Word`s, the content words only:
- nouns, verbs, adjectives and adjectival nouns (名詞, 動詞, 形容詞, 形状詞), not numerals,
  pronouns, particles, auxiliaries, suffixes (〜化 alone) or symbols, and not `STOP_WORDS`
  (こと, ため, する, 行う …);
- each by Sudachi's *normalised form*, case-folded after NFKC, so that 引越し and 引っ越し,
  申込 and 申し込み, ＲＰＡ and rpa, ﾏｲﾅﾝﾊﾞｰ and マイナンバー meet;
- with the ids of the Sudachi synonym groups the word belongs to (押印 and 捺印 share one),
  when it has at most `MAX_SYNONYM_GROUPS` (a word in many groups is too vague to link);
- and, for a compound (申請書, ペーパーレス化), its shorter content parts (申請, ペーパーレス).

`word_keys(word)` gives a word's weighted features: the word itself (1.0), each synonym
group (`SYNONYM_WEIGHT`) and each compound part (`PART_WEIGHT`). Similarity, suggestion and
ranking all compare these features, so they agree with one another on every database.
"""

import threading
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from sudachipy import Dictionary, SplitMode

CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞"}
SKIPPED_SUBCLASSES = {"数詞", "非自立可能", "代名詞"}
MAX_SYNONYM_GROUPS = 3
SYNONYM_WEIGHT = 0.5
PART_WEIGHT = 0.5
SYNONYM_PREFIX = "#"  # a synonym group's feature: "#1239"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words too empty to carry meaning on their own (base forms after normalisation).
STOP_WORDS = _words(
    """
    こと もの ため よう 方 場合 際 点 上 中 等 的 性 化 毎 分 件 他
    外 以上 以下 以外 為る 成る 有る 居る 出来る 行う 思う 考える 図る
    言う 見る 来る 行く 致す 頂く 下さる 御座る 参る 存じる 申す 有り
    無し 良い 良く 無い 多い 少ない 様 旨 所 時 今 今後 現在 現状 例
    各 当 同 全 本 該当 関する 係る 伴う 因る 於く 対する 付く
    つく よる なし ある いる する なる できる くる いく おる 下さい ください
    """
)

# Words every improvement proposal uses: kept as features (they help ranking and the
# initiative suggestion) but never enough, alone, to call two proposals similar.
GENERIC_WORDS = _words(
    """
    業務 改善 効率 効率化 向上 削減 導入 活用 推進 実施 利用 検討 整備
    見直し 見直す デジタル デジタル化 電子 電子化 システム 職員 住民 町民
    町 役場 庁舎 課 担当 作業 時間 負担 軽減 対応 事務 確認 管理 情報
    提案 課題 必要 可能 目的 効果 期待 実現 取り組み 取組 取り組む 仕組み
    方法 手段 運用 作成 処理 手続き 町内 全庁 各課 部署 簡素 簡素化 迅速
    迅速化 円滑 削る 減らす 減る 増える 不要 便利 解消 改める 変更
    """
)


@dataclass(frozen=True)
class Word:
    """One content word of a text: `base` is the normalised form, `start`/`end` the
    word's place in the analysed text (for highlighting)."""

    base: str
    surface: str
    start: int
    end: int
    synonyms: tuple[int, ...] = ()
    parts: tuple[str, ...] = ()
    display: str = ""  # the normalised form as shown to people (RPA, not rpa)


@cache
def _dictionary() -> Dictionary:
    return Dictionary(dict="core")


_local = threading.local()


def _tokenizer():
    """This thread's tokenizer: a Sudachi tokenizer may not be used by two threads at once
    (the app's sync routes run in a pool of threads), so each thread has its own over the
    one dictionary."""
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        tokenizer = _local.tokenizer = _dictionary().tokenizer(mode=SplitMode.C)
    return tokenizer


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@cache
def _stop_words() -> frozenset[str]:
    """STOP_WORDS as written and as the dictionary normalises them (ため → 為, こと → 事)."""
    found = set(STOP_WORDS)
    for word in STOP_WORDS:
        morphemes = _tokenizer().tokenize(word)
        if len(morphemes) == 1:
            found.add(_fold(morphemes[0].normalized_form()))
    return frozenset(found)


def _is_content(pos: tuple[str, ...], base: str) -> bool:
    if pos[0] not in CONTENT_POS or pos[1] in SKIPPED_SUBCLASSES:
        return False
    if base in _stop_words() or not any(c.isalnum() for c in base):
        return False
    # A single kana alone (て, る) is a fragment the dictionary did not know.
    return not (len(base) == 1 and "\u3040" <= base <= "\u30ff")


MAX_CHARS = 20_000  # Sudachi refuses very long inputs; proposals are far shorter


def analyse(text: str) -> list[Word]:
    """The content words of `text`, in order."""
    if not text or not text.strip():
        return []
    words: list[Word] = []
    for morpheme in _tokenizer().tokenize(text[:MAX_CHARS]):
        pos = morpheme.part_of_speech()
        normalised = unicodedata.normalize("NFKC", morpheme.normalized_form())
        base = normalised.casefold()
        if not _is_content(pos, base):
            continue
        groups = tuple(morpheme.synonym_group_ids())
        parts: tuple[str, ...] = ()
        pieces = morpheme.split(SplitMode.A)
        if len(pieces) > 1:
            parts = tuple(
                dict.fromkeys(
                    p_base
                    for piece in pieces
                    if _is_content(piece.part_of_speech(), p_base := _fold(piece.normalized_form()))
                    and p_base != base
                )
            )
        words.append(
            Word(
                base=base,
                surface=morpheme.surface(),
                start=morpheme.begin(),
                end=morpheme.end(),
                synonyms=groups if len(groups) <= MAX_SYNONYM_GROUPS else (),
                parts=parts,
                display=normalised,
            )
        )
    return words


def word_keys(word: Word) -> dict[str, float]:
    """The features one word contributes, with their weights."""
    keys = {word.base: 1.0}
    for group in word.synonyms:
        keys.setdefault(f"{SYNONYM_PREFIX}{group}", SYNONYM_WEIGHT)
    for part in word.parts:
        keys.setdefault(part, PART_WEIGHT)
    return keys


def query_words(text: str) -> list[str]:
    """Distinct base forms of a search query's content words ('押印の廃止' → 押印, 廃止)."""
    return list(_query_words(text))


@lru_cache(maxsize=1024)
def _query_words(text: str) -> tuple[str, ...]:
    # A search asks for the words of its query, and of each of its terms, for the
    # condition, the ranking and every result's snippet: the analysis is done once.
    return tuple(dict.fromkeys(w.base for w in analyse(text)))
