"""Japanese full-text search over proposal titles and texts.

A query is split on half- or full-width spaces into at most eight terms; a proposal matches
when every term occurs (as a substring, case-insensitively for Latin letters) in its title
or one of its four texts. Full- and half-width forms match each other: "RPA" finds "ＲＰＡ",
"ｶﾞｲﾄﾞ" finds "ガイド", and the other way round. User input is always data: LIKE wildcards
(`%`, `_`) are escaped and FTS5 terms are quoted, so `"`, `*`, `OR` or `NEAR` are literal.

Japanese has no spaces between words, so both databases index character trigrams:

SQLite — an FTS5 table `proposal_fts(title, body)` with the `trigram` tokenizer (its rowid
is the proposal's id; body is the four texts joined by newlines). Triggers on `proposal`
keep it in step on insert, update of the searched columns, and delete. SQLite has no NFKC,
so the triggers store the text *width-folded*: every character of the Halfwidth and
Fullwidth Forms block (and the ideographic space U+3000) is replaced by its NFKC form,
voiced half-width kana pairs (ｶﾞ → ガ) first. That is the part of NFKC in which typed
Japanese text varies; other compatibility characters (①, ㈱) match only themselves here,
where PostgreSQL applies full NFKC. The query terms go through the very same table
(`fold`), so both sides agree exactly. The fold is a chain of `replace()` calls generated
from `FOLDS`; as SQLite's parser allows only about thirty nested calls, the triggers apply
it in steps of `FOLD_STEP` replacements, each an UPDATE of the just-inserted FTS row that
runs only when the row holds one of that step's characters (plain text costs one INSERT).
No user-defined SQL function is involved, so any client may write to `proposal`.
Terms of three or more characters are ANDed into one quoted FTS5 MATCH (served by the
trigram index, case-insensitive). Shorter terms have no trigram of their own: the FTS rows
end in two line feeds (`FTS_END`, so every character of a text begins a trigram) and such
a term is a MATCH of every trigram beginning with it, listed from the table's vocabulary
(`proposal_fts_vocab`, fts5vocab) by a range of its terms — exactly the texts holding it.
A term with ASCII letters also keeps its LIKE over the folded FTS columns (ASCII
case-insensitive, which decides among the texts found), and one whose case fold the
tokenizer might do otherwise (other cased letters) is served by that LIKE alone.

PostgreSQL — a normalised search column and the pg_trgm extension: `proposal.search_text`,
a stored generated column `lower(normalize(title || ' ' || summary || ' ' || …, NFKC))`
(`PG_SEARCH_SQL`), with a GIN `gin_trgm_ops` index. Every term, NFKC-normalised in Python,
is `search_text LIKE lower('%term%')` (PostgreSQL lowers both sides, so they agree); the
index serves terms of three or more characters. A 2-character term is served by a second
GIN index, over the text's distinct bigrams (`proposal_bigrams(search_text) @> ARRAY[…]`,
an immutable SQL function), LIKE deciding as before; a 1-character term reads the table.
The column is stored rather than an expression index because re-checking candidates would
otherwise run normalize() over every matching row's texts on every query (about twenty
times slower for a common term). A second, expression index on
`normalize(title, NFKC)` serves the similar-proposal hints (app/services/similar.py).
`normalize()` needs a UTF-8 database (PostgreSQL 13 or later).

The migration 0004_search.py creates these objects with the functions below (0017_search
adds FTS_END, the vocabulary and the bigram index); they exist only in the database (not
in the models), so app/migrate.py's filter hides them from autogenerate. Changing `FOLDS`
or the DDL needs a new migration that re-creates them. Later migrations of `proposal` must
keep them: on SQLite a batch migration that rebuilds the table drops its triggers (run
`sqlite_search_ddl(create_table=False)` afterwards); on PostgreSQL a column used by
`search_text` cannot change type while the generated column exists (drop it with
`pg_drop_ddl()`, which drops the bigram index with the column, alter, then run
`pg_search_ddl()` and `pg_bigram_ddl()` again).
"""

import unicodedata

from sqlalchemy import (
    Text,
    and_,
    any_,
    case,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from app.models import Proposal
from app.models.text import ProposalTerm
from app.services.japanese import query_words

SEARCHED = ("title", "summary", "current_situation", "proposal_text", "expected_effect")
TEXTS = SEARCHED[1:]
MAX_TERMS = 8
TRIGRAM = 3  # terms shorter than this cannot use a trigram index

FTS_TABLE = "proposal_fts"
FTS_VOCAB = "proposal_fts_vocab"  # its trigrams (fts5vocab), for terms under TRIGRAM
# Two line feeds after the title and after the body: every character of a text then begins
# a trigram, so the trigrams beginning with a 1–2 character term find every text holding
# it, even at its very end. No term holds a line feed (terms are split on white space).
FTS_END = "char(10, 10)"
FTS_TRIGGERS = ("proposal_fts_insert", "proposal_fts_update", "proposal_fts_delete")
PG_SEARCH_COLUMN = "search_text"
PG_SEARCH_INDEX = "ix_proposal_search_trgm"
PG_TITLE_INDEX = "ix_proposal_title_trgm"
PG_BIGRAMS = "proposal_bigrams"  # an SQL function: a text's distinct 2-character strings
PG_BIGRAM_INDEX = "ix_proposal_search_bigram"
BIGRAM = 2
# Objects that exist only in the database (never in SQLModel.metadata).
DATABASE_ONLY_TABLE_PREFIX = FTS_TABLE  # the FTS table and its shadow tables
DATABASE_ONLY_INDEXES = frozenset({PG_SEARCH_INDEX, PG_TITLE_INDEX, PG_BIGRAM_INDEX})
DATABASE_ONLY_COLUMNS = frozenset({("proposal", PG_SEARCH_COLUMN)})

fts = table(FTS_TABLE, column("rowid"), column("title"), column("body"))


# -- width folding (SQLite) ---------------------------------------------------------------


def _folds() -> tuple[tuple[str, str], ...]:
    """(from, to) pairs, applied in order: voiced half-width kana pairs, then single
    characters of U+3000 and U+FF01–FF9F, U+FFE0–FFEE (half-width Hangul left out)."""
    pairs = []
    for base in range(0xFF66, 0xFF9E):  # ｦ … ﾝ
        for mark in ("\uff9e", "\uff9f"):  # ﾞ ﾟ
            source = chr(base) + mark
            target = unicodedata.normalize("NFKC", source)
            if len(target) == 1:
                pairs.append((source, target))
    singles = []
    for code in (0x3000, *range(0xFF01, 0xFFA0), *range(0xFFE0, 0xFFEF)):
        source = chr(code)
        target = unicodedata.normalize("NFKC", source)
        if target != source:
            singles.append((source, target))
    return (*pairs, *singles)


FOLDS = _folds()
_PAIRS = tuple((s, t) for s, t in FOLDS if len(s) == 2)
_SINGLES = str.maketrans({s: t for s, t in FOLDS if len(s) == 1})
_MARKS = ("\uff9e", "\uff9f")
FOLD_STEP = 20  # replace() calls per SQL expression (SQLite's parser nests ~30 at most)


def fold(text: str) -> str:
    """The width fold the SQLite triggers apply: 'ＲＰＡ　ｶﾞｲﾄﾞ' → 'RPA ガイド'."""
    if any(mark in text for mark in _MARKS):
        for source, target in _PAIRS:
            text = text.replace(source, target)
    return text.translate(_SINGLES)


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _fold_updates(where: str) -> list[str]:
    """UPDATE statements folding the FTS row(s) chosen by `where`, FOLD_STEP pairs each."""
    statements = []
    for start in range(0, len(FOLDS), FOLD_STEP):
        step = FOLDS[start : start + FOLD_STEP]
        chars = "".join(sorted({c for source, _ in step for c in source}))
        assignments = []
        guards = []
        for name in ("title", "body"):
            expression = name
            for source, target in step:
                expression = f"replace({expression}, {_sql_string(source)}, {_sql_string(target)})"
            assignments.append(f"{name} = {expression}")
            guards.append(f"{name} GLOB {_sql_string(f'*[{chars}]*')}")
        statements.append(
            f"UPDATE {FTS_TABLE} SET {', '.join(assignments)} "
            f"WHERE {where} AND ({' OR '.join(guards)})"
        )
    return statements


def _title_of(row: str, end: bool) -> str:
    return f"coalesce({row}.title, '')" + (f" || {FTS_END}" if end else "")


def _body_of(row: str, end: bool = True) -> str:
    body = " || char(10) || ".join(f"coalesce({row}.{name}, '')" for name in TEXTS)
    return body + (f" || {FTS_END}" if end else "")


def _insert_row(row: str, end: bool = True) -> str:
    return (
        f"INSERT INTO {FTS_TABLE}(rowid, title, body) "
        f"VALUES ({row}.id, {_title_of(row, end)}, {_body_of(row, end)})"
    )


def sqlite_search_ddl(*, create_table: bool = True, end: bool = True) -> list[str]:
    """The FTS5 table and its vocabulary (optional) and the three triggers keeping it in
    step with `proposal`. `end=False` gives the rows of before 0017 (no FTS_END)."""
    folds = "; ".join(_fold_updates("rowid = new.id"))
    statements = []
    if create_table:
        statements += [
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, body, tokenize='trigram')",
            f"CREATE VIRTUAL TABLE {FTS_VOCAB} USING fts5vocab({FTS_TABLE}, 'row')",
        ]
    columns = ", ".join(SEARCHED)
    statements += [
        f"CREATE TRIGGER {FTS_TRIGGERS[0]} AFTER INSERT ON proposal BEGIN "
        f"{_insert_row('new', end)}; {folds}; END",
        f"CREATE TRIGGER {FTS_TRIGGERS[1]} AFTER UPDATE OF {columns} ON proposal BEGIN "
        f"DELETE FROM {FTS_TABLE} WHERE rowid = old.id; {_insert_row('new', end)}; {folds}; END",
        f"CREATE TRIGGER {FTS_TRIGGERS[2]} AFTER DELETE ON proposal BEGIN "
        f"DELETE FROM {FTS_TABLE} WHERE rowid = old.id; END",
    ]
    return statements


def sqlite_backfill(*, end: bool = True) -> list[str]:
    """(Re)fill the FTS table from every proposal."""
    return [
        f"DELETE FROM {FTS_TABLE}",
        f"INSERT INTO {FTS_TABLE}(rowid, title, body) "
        f"SELECT id, {_title_of('proposal', end)}, {_body_of('proposal', end)} FROM proposal",
        *_fold_updates("1 = 1"),
    ]


def sqlite_drop_ddl() -> list[str]:
    return [
        *(f"DROP TRIGGER IF EXISTS {name}" for name in FTS_TRIGGERS),
        f"DROP TABLE IF EXISTS {FTS_VOCAB}",
        f"DROP TABLE IF EXISTS {FTS_TABLE}",
    ]


# -- PostgreSQL ---------------------------------------------------------------------------

PG_SEARCH_SQL = "lower(normalize({}, NFKC))".format(" || ' ' || ".join(SEARCHED))
PG_TITLE_SQL = "normalize(title, NFKC)"


def pg_search_ddl(opclass: str) -> list[str]:
    """The search column and the two GIN trigram indexes; `opclass` is gin_trgm_ops
    qualified by the schema pg_trgm is installed in."""
    return [
        f"ALTER TABLE proposal ADD COLUMN {PG_SEARCH_COLUMN} text "
        f"GENERATED ALWAYS AS ({PG_SEARCH_SQL}) STORED",
        f"CREATE INDEX {PG_SEARCH_INDEX} ON proposal USING gin ({PG_SEARCH_COLUMN} {opclass})",
        f"CREATE INDEX {PG_TITLE_INDEX} ON proposal USING gin ({PG_TITLE_SQL} {opclass})",
    ]


def pg_drop_ddl() -> list[str]:
    return [
        f"DROP INDEX IF EXISTS {PG_TITLE_INDEX}",
        f"DROP INDEX IF EXISTS {PG_SEARCH_INDEX}",
        f"ALTER TABLE proposal DROP COLUMN IF EXISTS {PG_SEARCH_COLUMN}",
    ]


def pg_bigram_ddl() -> list[str]:
    """The function listing a text's distinct bigrams and the GIN index over those of
    `search_text`, which serves 2-character terms (trigrams cannot)."""
    return [
        f"CREATE OR REPLACE FUNCTION {PG_BIGRAMS}(text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT "
        "PARALLEL SAFE AS $$ SELECT coalesce(array_agg(DISTINCT substr($1, i, 2)), '{}') "
        "FROM generate_series(1, length($1) - 1) AS i $$",
        f"CREATE INDEX {PG_BIGRAM_INDEX} ON proposal USING gin ({PG_BIGRAMS}({PG_SEARCH_COLUMN}))",
    ]


def pg_bigram_drop_ddl() -> list[str]:
    return [
        f"DROP INDEX IF EXISTS {PG_BIGRAM_INDEX}",
        f"DROP FUNCTION IF EXISTS {PG_BIGRAMS}(text)",
    ]


def pg_bigrams() -> ColumnElement:
    """proposal_bigrams(search_text): the expression of the bigram index."""
    return getattr(func, PG_BIGRAMS)(pg_search_column())


def pg_search_column() -> ColumnElement[str]:
    return literal_column(f"proposal.{PG_SEARCH_COLUMN}", Text)


def pg_title_expression() -> ColumnElement[str]:
    """normalize(title, NFKC): the expression of the title's trigram index."""
    return func.normalize(Proposal.title, literal_column("NFKC"))


# -- queries ------------------------------------------------------------------------------


def terms_of(q: str, dialect: str = "") -> list[str]:
    """'ＲＰＡ　窓口' → ['RPA', '窓口']: normalised as the dialect's index is, split on spaces."""
    text = fold(q) if dialect == "sqlite" else unicodedata.normalize("NFKC", q)
    if dialect not in ("sqlite", "postgresql"):
        text = text.lower()
    return [t for t in text.split() if t][:MAX_TERMS]


def escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fts_phrase(text: str) -> str:
    """An FTS5 string: everything inside double quotes is literal ("" is a quote)."""
    return '"' + text.replace('"', '""') + '"'


def fts_match(expression: str | ColumnElement[str]) -> ColumnElement[bool]:
    return literal_column(FTS_TABLE).op("MATCH")(expression)


def _vocab_prefix(term: str) -> str | None:
    """`term` as the trigram tokenizer folds it (ASCII letters lowered; it folds only
    ASCII here), or None when a character may fold otherwise or has no successor."""
    if any(not c.isascii() and (c.lower() != c or c.upper() != c) for c in term):
        return None
    last = ord(term[-1]) + 1
    if 0xD800 <= last <= 0xDFFF or last > 0x10FFFF:
        return None
    return "".join(c.lower() if c.isascii() else c for c in term)


def _short_match(term: str) -> ColumnElement[bool] | None:
    """A MATCH of the FTS trigrams that begin with `term` (read from the vocabulary; an
    empty phrase matches nothing): thanks to FTS_END, exactly the texts holding it, up
    to case. None when the term's fold is uncertain (LIKE then serves it alone)."""
    prefix = _vocab_prefix(term)
    if prefix is None:
        return None
    successor = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    vocab = table(FTS_VOCAB, column("term"))
    quoted = literal('"') + func.replace(vocab.c.term, '"', '""') + literal('"')
    trigrams = (
        select(func.group_concat(quoted, " OR "))
        .where(vocab.c.term >= prefix, vocab.c.term < successor)
        .scalar_subquery()
    )
    return fts_match(func.coalesce(trigrams, '""'))


def _sqlite_clause(terms: list[str]) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    long_terms = [t for t in terms if len(t) >= TRIGRAM]
    if long_terms:
        conditions.append(fts_match(" AND ".join(fts_phrase(t) for t in long_terms)))
    for term in terms:
        if len(term) < TRIGRAM:
            short = _short_match(term)
            if short is not None:
                conditions.append(short)
            if short is None or any(c.isalpha() for c in term if c.isascii()):
                # LIKE decides (ASCII case only) among the texts the trigrams found.
                pattern = f"%{escape_like(term)}%"
                conditions.append(
                    or_(
                        fts.c.title.like(pattern, escape="\\"),
                        fts.c.body.like(pattern, escape="\\"),
                    )
                )
    return col(Proposal.id).in_(select(fts.c.rowid).where(*conditions))


def _postgres_conditions(terms: list[str]) -> list[ColumnElement[bool]]:
    searched = pg_search_column()
    conditions: list[ColumnElement[bool]] = []
    for term in terms:
        conditions.append(searched.like(func.lower(f"%{escape_like(term)}%"), escape="\\"))
        if len(term) == BIGRAM:
            # The bigram index finds the texts holding it; LIKE decides, as for trigrams.
            conditions.append(pg_bigrams().op("@>")(postgresql.array([func.lower(term)])))
    return conditions


def _generic_clause(terms: list[str]) -> ColumnElement[bool]:
    conditions = []
    for term in terms:
        pattern = f"%{escape_like(term)}%"
        conditions.append(
            or_(
                *(
                    func.lower(getattr(Proposal, name)).like(pattern, escape="\\")
                    for name in SEARCHED
                )
            )
        )
    return and_(*conditions)


def search_conditions(q: str, dialect: str) -> list[ColumnElement[bool]]:
    """Conditions that together match the proposals containing every term (none for a
    blank query)."""
    terms = terms_of(q, dialect)
    if not terms:
        return []
    if dialect == "sqlite":
        return [_sqlite_clause(terms)]
    if dialect == "postgresql":
        return _postgres_conditions(terms)
    return [_generic_clause(terms)]


def search_clause(q: str, dialect: str) -> ColumnElement[bool] | None:
    """A condition matching proposals that contain every term; None for a blank query."""
    conditions = search_conditions(q, dialect)
    return and_(*conditions) if conditions else None


def sqlite_restore_trigger_ddl() -> list[str]:
    """Re-creates the triggers after a migration rebuilt `proposal` (SQLite batch mode
    drops them); the FTS table and its rows stay."""
    return [
        *(f"DROP TRIGGER IF EXISTS {name}" for name in FTS_TRIGGERS),
        *sqlite_search_ddl(create_table=False),
    ]


# -- words and relevance (the Japanese analyser: app/services/japanese.py, docs/text.md) ---


def _words_clause(words: list[str], dialect: str = "") -> ColumnElement[bool]:
    """Proposals whose analysed texts have every one of `words` (as a word or a compound's
    part: 押印 and 廃止 for 「押印の廃止」 find 「押印を廃止する」).

    On PostgreSQL the ids come as `id = ANY(ARRAY(…))`, one array computed once: beside
    the substring's LIKE (text_clause ORs them) the primary key then serves it and the
    planner ORs two bitmap index scans, where `id IN (…)` made it read every row."""
    if not words:
        return false()
    if dialect == "postgresql":
        having_all = (
            select(col(ProposalTerm.proposal_id))
            .where(col(ProposalTerm.term).in_(words))
            .group_by(col(ProposalTerm.proposal_id))
            .having(func.count() == len(words))  # (proposal_id, term) is the primary key
        )
        return col(Proposal.id) == any_(func.array(having_all.scalar_subquery()))
    return and_(
        *(
            col(Proposal.id).in_(
                select(col(ProposalTerm.proposal_id)).where(col(ProposalTerm.term) == word)
            )
            for word in words
        )
    )


def text_clause(q: str, dialect: str) -> ColumnElement[bool] | None:
    """The search condition: every space-separated term of `q` occurs in the proposal,
    as a substring (search_clause: 1–2 character terms too) or through its words."""
    raw_terms = [t for t in q.split() if t][:MAX_TERMS]
    if not raw_terms:
        return None
    conditions = []
    for term in raw_terms:
        substring = search_conditions(term, dialect)
        words = _words_clause(query_words(term), dialect)
        # (a AND b) OR w written as (a OR w) AND (b OR w): on PostgreSQL `bigrams @> … OR
        # id = ANY(…)` is then exactly the two index scans' condition, never re-evaluated
        # row by row (computing a text's bigrams is the costly part).
        conditions += [or_(s, words) for s in substring] if substring else [words]
    return and_(*conditions)


TITLE_RANK = 3.0


def relevance(weights: dict[str, float]):
    """A subquery (proposal_id, rank): the idf-weighted count of the query's words in each
    proposal, a title word counting TITLE_RANK times; proposals without them are absent."""
    weight = case(weights, value=ProposalTerm.term, else_=0.0)
    return (
        select(
            col(ProposalTerm.proposal_id).label("proposal_id"),
            func.sum(
                weight * (TITLE_RANK * ProposalTerm.title_weight + ProposalTerm.body_weight)
            ).label("rank"),
        )
        .where(col(ProposalTerm.term).in_(list(weights)))
        .group_by(col(ProposalTerm.proposal_id))
        .subquery()
    )
