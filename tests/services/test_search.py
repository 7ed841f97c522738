"""The search's database side: the width fold agrees between Python and the SQLite triggers,
the database-only objects exist at head, PostgreSQL uses the trigram indexes, the backfill,
and the small helpers of search.py and similar.py."""

import unicodedata

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.models import Proposal
from app.models.enums import Role
from app.services import search as search_service
from app.services.search import (
    FOLDS,
    FTS_TRIGGERS,
    PG_SEARCH_INDEX,
    PG_TITLE_INDEX,
    fold,
    fts_phrase,
    search_clause,
    sqlite_backfill,
    terms_of,
    text_clause,
)
from app.services.similar import similar_proposals

SOURCES = [source for source, _ in FOLDS]


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def test_the_fold_is_nfkc_on_the_width_forms() -> None:
    assert len(FOLDS) > 150
    for source, target in FOLDS:
        assert unicodedata.normalize("NFKC", source) == target
    assert fold("ＲＰＡ　ｶﾞｲﾄﾞ　ﾊﾟｿｺﾝ　１２３％") == "RPA ガイド パソコン 123%"
    assert fold("窓口業務①") == "窓口業務①"  # outside the width forms: kept
    assert fold("ｶﾞ") == unicodedata.normalize("NFKC", "ｶﾞ") == "ガ"


def test_the_sqlite_triggers_fold_as_python_does(api_as, make_user, session: Session) -> None:
    if dialect_of(session) != "sqlite":
        pytest.skip("SQLite's triggers")
    every = " ".join(SOURCES) + " ｱﾞ ﾞ ｶﾞｷﾞ'ｰ" + "窓口ＲＰＡ"
    api = api_as(make_user())
    created = api.post(
        "/api/v1/proposals",
        json={"title": "ｶﾞｲﾄﾞ　ＲＰＡ：ﾃｽﾄ？", "summary": every, "expected_effect": "％＿＂＊"},
    )
    assert created.status_code == 201, created.text
    row = session.execute(
        text("SELECT title, body FROM proposal_fts WHERE rowid = :id"), {"id": created.json()["id"]}
    ).one()
    # Each column ends in two line feeds (FTS_END: a term at a text's end begins a trigram).
    assert row.title == fold("ｶﾞｲﾄﾞ　ＲＰＡ：ﾃｽﾄ？") + "\n\n" == "ガイド RPA:テスト?\n\n"
    assert row.body == "\n".join([fold(every), "", "", fold("％＿＂＊")]) + "\n\n"
    # Each step of the trigger's fold runs on its own too (its GLOB guard matches).
    for source in [*SOURCES, "ｶﾞｲ"]:
        title = f"窓口{source}業務"
        session.execute(
            text("UPDATE proposal SET title = :title WHERE id = :id"),
            {"title": title, "id": created.json()["id"]},
        )
        stored = session.execute(
            text("SELECT title FROM proposal_fts WHERE rowid = :id"), {"id": created.json()["id"]}
        ).scalar()
        assert stored == fold(title) + "\n\n" == unicodedata.normalize("NFKC", title) + "\n\n"
    session.rollback()


def test_postgres_normalize_agrees_with_python(api_as, make_user, session: Session) -> None:
    if dialect_of(session) != "postgresql":
        pytest.skip("PostgreSQL's normalize()")
    sample = "".join(SOURCES) + "ｶﾞ①㈱ｱﾞ"
    normalised = session.execute(text("SELECT normalize(:s, NFKC)"), {"s": sample}).scalar()
    assert normalised == unicodedata.normalize("NFKC", sample)
    api = api_as(make_user())
    created = api.post("/api/v1/proposals", json={"title": "ＲＰＡ　ｶﾞｲﾄﾞ", "summary": "①㈱"})
    stored = session.execute(
        text("SELECT search_text FROM proposal WHERE id = :id"), {"id": created.json()["id"]}
    ).scalar()
    assert stored == "rpa ガイド 1(株)   "


def test_the_database_only_objects_exist_at_head(session: Session) -> None:
    if dialect_of(session) == "sqlite":
        rows = session.execute(text("SELECT type, name FROM sqlite_master")).all()
        assert ("table", "proposal_fts") in rows
        assert {name for kind, name in rows if kind == "trigger"} >= set(FTS_TRIGGERS)
    else:
        names = session.execute(
            text("SELECT indexname FROM pg_indexes WHERE tablename = 'proposal'")
        ).scalars()
        assert {PG_SEARCH_INDEX, PG_TITLE_INDEX} <= set(names)
        generated = session.execute(
            text(
                "SELECT is_generated FROM information_schema.columns "
                "WHERE table_name = 'proposal' AND column_name = 'search_text' "
                "AND table_schema = current_schema()"
            )
        ).scalar()
        assert generated == "ALWAYS"
        assert session.execute(
            text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
        ).scalar()


def _plan(session: Session, query) -> str:
    compiled = query.compile(
        dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
    )
    connection = session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).all()
    return "\n".join(row[0] for row in rows)


def test_postgres_uses_the_trigram_indexes(session: Session) -> None:
    if dialect_of(session) != "postgresql":
        pytest.skip("PostgreSQL's planner")
    query = select(Proposal.id).where(search_clause("窓口業務 ＲＰＡ化", "postgresql"))
    assert PG_SEARCH_INDEX in _plan(session, query)
    # A 2-character term through the bigram index; beside the words (text_clause ORs
    # them), the primary key serves the words' ids.
    query = select(Proposal.id).where(text_clause("窓口", "postgresql"))
    plan = _plan(session, query)
    assert search_service.PG_BIGRAM_INDEX in plan and "BitmapOr" in plan, plan
    indexed = search_service.pg_title_expression()
    similar_query = select(Proposal.id).where(indexed.op("%")("窓口業務のRPA化"))
    assert PG_TITLE_INDEX in _plan(session, similar_query)
    session.rollback()


def test_sqlite_backfill_rebuilds_the_index(api_as, make_user, db_engine: Engine) -> None:
    if db_engine.dialect.name != "sqlite":
        pytest.skip("SQLite's FTS table")
    api = api_as(make_user())
    for title in ("ＲＰＡで窓口業務を自動化", "庁舎照明のLED化"):
        assert api.post("/api/v1/proposals", json={"title": title}).status_code == 201
    with db_engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM proposal_fts")
        connection.exec_driver_sql("DELETE FROM proposal_term")  # the words too
    assert api.get("/api/v1/proposals", params={"q": "rpa"}).json()["total"] == 0
    with db_engine.begin() as connection:
        for statement in sqlite_backfill():
            connection.exec_driver_sql(statement)
    found = api.get("/api/v1/proposals", params={"q": "rpa 窓口"}).json()["items"]
    assert [item["title"] for item in found] == ["ＲＰＡで窓口業務を自動化"]


def test_terms_and_quoting() -> None:
    assert terms_of("ＲＰＡ　窓口 ", "sqlite") == ["RPA", "窓口"]
    assert terms_of("ＲＰＡ　窓口 ", "postgresql") == ["RPA", "窓口"]
    assert terms_of("ＲＰＡ　窓口 ", "mysql") == ["rpa", "窓口"]
    assert len(terms_of(" ".join("abcdefghijkl"), "sqlite")) == 8
    assert search_clause("", "sqlite") is None
    assert search_clause(" 　\t", "postgresql") is None
    assert fts_phrase('a"b') == '"a""b"'
    assert fts_phrase("OR") == '"OR"'


def test_generic_dialect_falls_back_to_like(session: Session) -> None:
    condition = search_clause("50% 窓口", "other")
    assert condition is not None
    assert "lower(proposal.title) LIKE" in str(condition)


def test_similar_proposals_service(api_as, make_user, session: Session) -> None:
    user = make_user(Role.secretariat)
    api = api_as(user)
    ids = [
        api.post("/api/v1/proposals", json={"title": title}).json()["id"]
        for title in ("窓口業務のRPA化", "窓口業務へのRPA導入", "公用車の予約管理")
    ]
    found = similar_proposals(session, title="窓口業務のＲＰＡ化", user=user)
    assert [h.proposal.id for h in found] == [ids[0], ids[1]]
    assert found[0].similarity > found[1].similarity >= 0.1
    assert found[0].matched_words[:2] == ["窓口", "RPA"]
    assert similar_proposals(session, title="業務の効率化", user=user) == []  # generic only
    assert similar_proposals(session, title="「・」", user=user) == []
    assert [
        h.proposal.id
        for h in similar_proposals(session, title="窓口業務のＲＰＡ化", user=user, limit=1)
    ] == [ids[0]]
    excluded = similar_proposals(session, title="窓口業務のRPA化", user=user, exclude_id=ids[0])
    assert [h.proposal.id for h in excluded] == [ids[1]]
