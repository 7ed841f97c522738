"""The Japanese analyser (app/services/japanese.py): what becomes a word, and which
spellings meet."""

from app.services.japanese import analyse, query_words, word_keys
from app.services.snippets import segments, snippet, substring_spans
from app.services.text_index import features


def bases(text: str) -> list[str]:
    return [w.base for w in analyse(text)]


def test_spelling_variants_meet_on_the_normalised_form() -> None:
    assert bases("引越しの手続き")[0] == bases("引っ越しの手続き")[0] == "引っ越し"
    assert bases("申込") == bases("申し込み") == ["申し込み"]
    assert bases("手続") == bases("手続き")
    assert bases("ＲＰＡ") == bases("rpa") == bases("RPA") == ["rpa"]
    assert bases("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ") == bases("マイナンバーカード")


def test_grammar_and_empty_words_are_dropped() -> None:
    assert bases("押印を廃止することのため") == ["押印", "廃止"]
    assert bases("ペーパーレス化を推進する") == ["ペーパーレス化", "推進"]
    assert "化" not in bases("公用車予約のデジタル化")
    assert bases("") == [] and bases("　、。「」") == []
    assert bases("１２時間") == ["時間"]  # numerals are not words


def test_synonyms_share_a_group_and_compounds_their_parts() -> None:
    (oshiin,) = analyse("押印")
    (natsuin,) = analyse("捺印")
    assert set(oshiin.synonyms) & set(natsuin.synonyms)
    (form,) = analyse("申請書")
    assert "申請" in form.parts
    keys = word_keys(form)
    assert keys["申請書"] == 1.0 and keys["申請"] < 1.0


def test_words_keep_their_place_for_marking() -> None:
    text = "窓口申請書の押印を廃止する"
    words = analyse(text)
    assert [text[w.start : w.end] for w in words] == ["窓口", "申請書", "押印", "廃止"]
    assert [w.display for w in analyse("ＲＰＡ")] == ["RPA"]


def test_features_weigh_title_and_texts_apart() -> None:
    found = features("押印の廃止", ["押印欄を削る"])
    assert found["押印"].title_weight == 1.0 and found["押印"].body_weight > 0
    assert found["廃止"].body_weight == 0.0


def test_query_words_and_snippets() -> None:
    assert query_words("押印の廃止") == ["押印", "廃止"]
    pieces = segments("abcdef", [(1, 2), (2, 4)])
    assert [(p.text, p.marked) for p in pieces] == [("a", False), ("bcd", True), ("ef", False)]
    # A 1-character query marks where it stands inside a longer word (印 in 印刷).
    assert substring_spans("会議資料の印刷", ["印"]) == [(5, 6)]
    assert substring_spans("ＲＰＡの活用", ["rpa"]) == [(0, 3)]
    found = snippet(
        ["件名", "窓口申請書の押印を廃止する"], terms=["押印の廃止"], words={"押印", "廃止"}
    )
    assert found is not None
    assert [p.text for p in found.segments if p.marked] == ["押印", "廃止"]
    assert found.matched_words == ["押印", "廃止"]
    assert snippet(["件名"], terms=["除雪"], words={"除雪"}) is None
    long_text = "あ" * 100 + "押印" + "い" * 200
    window = snippet([long_text], terms=["押印"], words={"押印"})
    assert window is not None and window.text.startswith("…") and window.text.endswith("…")
    assert len(window.text) < 130


def test_the_analyser_serves_many_threads_at_once() -> None:
    """The routes run in a pool of threads; a Sudachi tokenizer refuses to be used by two
    at once, so each thread has its own."""
    from concurrent.futures import ThreadPoolExecutor

    text = "窓口申請書の押印を廃止し、オンライン申請に切り替える。" * 20
    expected = bases(text)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: bases(text), range(64)))
    assert all(result == expected for result in results)
