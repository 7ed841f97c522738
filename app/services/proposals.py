"""Proposals: writing, editing, listing, and the intake actions (submit, return,
not-accept, accept, withdraw) performed through the lifecycle table."""

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import func, text, update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app import rules
from app.db import insert_if_absent
from app.errors import Forbidden, Invalid
from app.i18n import N_
from app.models import (
    Initiative,
    Proposal,
    ProposalCoAuthor,
    ProposalCounter,
    ProposalEvent,
    Round,
    User,
)
from app.models.enums import Category, Kind, RoundKind, Status
from app.models.proposal import (
    TEXT_FIELDS,
    EmptyBody,
    OpinionBody,
    ProposalCreate,
    ProposalUpdate,
    ReasonBody,
    RequiredReasonBody,
)
from app.models.types import id_of, utcnow
from app.services import rounds as rounds_service
from app.services import text_index
from app.services.concurrency import check_version, claim, lock
from app.services.events import merge_changes, record_event
from app.services.japanese import query_words
from app.services.pagination import MAX_LIMIT, PageParams, paginate
from app.services.search import relevance, text_clause
from app.services.visibility import (
    Reader,
    get_visible_proposal,
    sight_of,
    sight_parameters,
    visible_clause,
)
from app.validation import ModelOrValues, validate_body
from app.wareki import fiscal_year_of, fiscal_year_short

UNKNOWN_INITIATIVE = N_("指定されたDX取組みが見つかりません。")
UNKNOWN_CO_AUTHOR = N_("共同提案者に指定された職員が見つからないか、無効です。")
SELF_CO_AUTHOR = N_("提案者本人は共同提案者に指定できません。")
ONLY_MAIN_AUTHOR_CO_AUTHORS = N_("共同提案者を変更できるのは提案者本人だけです。")
REQUIRED_TO_SUBMIT = N_("提出するには入力してください。")
# Fields that must be filled before a proposal can be submitted.
REQUIRED_FOR_SUBMIT = ("title", *TEXT_FIELDS)


# -- reading ------------------------------------------------------------------------------


def get_proposal(session: Session, *, proposal_id: int, user: User) -> Proposal:
    return get_visible_proposal(session, proposal_id=proposal_id, user=user)


@dataclass
class ProposalFilters:
    status: list[Status] | None = None
    initiative_id: int | None = None
    no_initiative: bool = False
    fiscal_year: int | None = None
    department_id: int | None = None
    kind: Kind | None = None
    category: Category | None = None
    round_id: int | None = None
    mine: bool = False
    q: str | None = None
    # "relevance" (the default with `q`: best match first) or "updated" (newest first).
    sort: str | None = None


def _filter_conditions(session: Session, user: User, filters: ProposalFilters) -> list[Any]:
    """The list's filters (all but `q`) as SQL conditions."""
    where: list[Any] = []
    if filters.status:
        where.append(rules.status_in(col(Proposal.status), filters.status))
    if filters.no_initiative:
        where.append(col(Proposal.initiative_id).is_(None))
    elif filters.initiative_id is not None:
        where.append(Proposal.initiative_id == filters.initiative_id)
    if filters.fiscal_year is not None:
        where.append(Proposal.fiscal_year == filters.fiscal_year)
    if filters.department_id is not None:
        where.append(Proposal.department_id == filters.department_id)
        from app.services.review import blind_proposal_ids

        blind = blind_proposal_ids(session, user=user)
        if blind:
            # A blind reviewer must not learn a proposal's department by filtering on it.
            where.append(col(Proposal.id).not_in(blind))
    if filters.kind is not None:
        where.append(Proposal.kind == filters.kind.value)
    if filters.category is not None:
        where.append(Proposal.category == filters.category.value)
    if filters.round_id is not None:
        where.append(Proposal.round_id == filters.round_id)
    if filters.mine:
        co_authored = select(ProposalCoAuthor.proposal_id).where(
            ProposalCoAuthor.user_id == user.id
        )
        where.append((col(Proposal.author_id) == user.id) | col(Proposal.id).in_(co_authored))
    return where


NEWEST = (col(Proposal.updated_at).desc(), col(Proposal.id).desc())


def _newest_page(
    session: Session, user: User, where: list[Any], page: PageParams
) -> tuple[list[Proposal], int]:
    """One page of the visible proposals meeting `where`, newest first, and their count,
    as paginate would give them, in fewer rows read (docs/benchmarks.md):

    - the count is the sum of the counts of visibility.visible_parts, which do not overlap
      (the public statuses counted from an index alone);
    - past the first page, the page's ids come first, from the index of the order, which
      holds the columns the visibility asks (skipping `offset` rows reads no table row);
      then those rows.

    Without filters the statements are built once per kind of reader (visibility.sight_of)
    and run with the reader's id as a parameter.
    """
    reader = Reader.of(user)
    params = sight_parameters(user)
    count, newest, newest_ids = _unfiltered(reader) if not where else _statements(reader, where)
    total = session.exec(count, params=params).one()
    if page.offset == 0 or page.limit > MAX_LIMIT:
        # The first page in one query (no offset to skip, so few rows read beyond those
        # returned); a whole selection (the ledger's) too, not a list of ids to bind.
        query = newest.limit(page.limit).offset(page.offset)
        return list(session.exec(query, params=params).all()), total
    ids = session.exec(newest_ids.limit(page.limit).offset(page.offset), params=params).all()
    return _in_order(session, list(ids)), total


def _in_order(session: Session, ids: list[int]) -> list[Proposal]:
    """The proposals of `ids`, in that order, read by primary key."""
    if not ids:
        return []
    found = {p.id: p for p in session.exec(select(Proposal).where(col(Proposal.id).in_(ids)))}
    return [found[i] for i in ids]


Statements = tuple[SelectOfScalar[int], SelectOfScalar[Proposal], SelectOfScalar[Any]]


def _statements(reader: Reader, where: list[Any]) -> Statements:
    """The count, the page's rows and the page's ids of the visible proposals meeting
    `where`, newest first."""
    sight = sight_of(reader)
    first, *others = (
        select(func.count()).select_from(Proposal).where(part, *where).scalar_subquery()
        for part in sight.parts
    )
    return (
        select(sum(others, first)),
        select(Proposal).where(sight.clause, *where).order_by(*NEWEST),
        select(Proposal.id).where(sight.clause, *where).order_by(*NEWEST),
    )


@cache
def _unfiltered(reader: Reader) -> Statements:
    return _statements(reader, [])


def list_proposals(
    session: Session, *, user: User, filters: ProposalFilters, page: PageParams
) -> tuple[list[Proposal], int]:
    """The proposals this user may see, filtered, newest first."""
    where = _filter_conditions(session, user, filters)
    if not filters.q:
        return _newest_page(session, user, where, page)
    query = select(Proposal).where(visible_clause(user), *where)
    condition = text_clause(filters.q, session.get_bind().dialect.name)
    if condition is None:
        return paginate(session, query.order_by(*NEWEST), page)
    query = query.where(condition)
    if session.get_bind().dialect.name == "postgresql":
        # Which index serves a search depends on the words searched (the bigram index for
        # two characters, the trigrams for three or more): PostgreSQL must plan it with
        # them, not reuse a generic plan of the prepared statement (docs/benchmarks.md).
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    words = query_words(filters.q)
    if filters.sort == "updated" or not words:
        return _found_page(session, query.order_by(*NEWEST), page)
    # Relevance: the query's words weighted by their idf over the town's proposals. One
    # word's idf (always positive) would scale every rank alike and so cannot change the
    # order: it is left out, and with it the count of all proposals it needs.
    weights = text_index.Corpus(session).idfs(words) if len(words) > 1 else {words[0]: 1.0}
    ranked = relevance(weights)
    query = query.outerjoin(ranked, ranked.c.proposal_id == Proposal.id).order_by(
        func.coalesce(ranked.c.rank, 0.0).desc(), *NEWEST
    )
    return _found_page(session, query, page)


def _found_page(session: Session, query, page: PageParams) -> tuple[list[Proposal], int]:
    """paginate() for a search, in one pass over what it found: the page's ids in order,
    each with the count of all the rows (a window over the whole result, before LIMIT),
    then those proposals by primary key. The count is asked apart only when the page is
    past the end (then no row carries it)."""
    ids = query.with_only_columns(col(Proposal.id), func.count().over())
    found = session.connection().execute(ids.limit(page.limit).offset(page.offset)).all()
    if not found:
        if page.offset == 0:
            return [], 0
        return paginate(session, query, page)
    return _in_order(session, [row[0] for row in found]), found[0][1]


# -- writing ------------------------------------------------------------------------------


def _check_initiative(session: Session, initiative_id: int | None) -> None:
    if initiative_id is not None and session.get(Initiative, initiative_id) is None:
        raise Invalid.field("initiative_id", UNKNOWN_INITIATIVE)


def _check_co_authors(session: Session, ids: list[int], author_id: int) -> list[int]:
    unique = sorted(set(ids))
    if author_id in unique:
        raise Invalid.field("co_author_ids", SELF_CO_AUTHOR)
    if unique:
        found = session.exec(
            select(func.count())
            .select_from(User)
            .where(col(User.id).in_(unique))
            .where(col(User.is_active).is_(True))
        ).one()
        if found != len(unique):
            raise Invalid.field("co_author_ids", UNKNOWN_CO_AUTHOR)
    return unique


def _resolve_round(session: Session, round_id: int | None, fiscal_year: int):
    if round_id is None:
        return rounds_service.standing_round(session, fiscal_year=fiscal_year)
    round_ = rounds_service.get_round(session, round_id=round_id)
    rounds_service.check_open(round_)
    return round_


def create_proposal(session: Session, *, data: ProposalCreate, user: User) -> Proposal:
    """A new draft by `user`. Raises Invalid (422) for an unknown initiative, round or
    co-author, or a theme round outside its dates."""
    now = utcnow()
    fiscal_year = fiscal_year_of(now)
    _check_initiative(session, data.initiative_id)
    co_authors = _check_co_authors(session, data.co_author_ids, id_of(user))
    round_ = _resolve_round(session, data.round_id, fiscal_year)
    values = data.model_dump(exclude={"co_author_ids", "round_id", "kind", "category"})
    proposal = Proposal(
        **values,
        kind=data.kind.value,
        category=data.category.value,
        round_id=round_.id,
        author_id=id_of(user),
        fiscal_year=fiscal_year,
        created_at=now,
        updated_at=now,
    )
    proposal.co_author_rows = [ProposalCoAuthor(user_id=uid) for uid in co_authors]
    session.add(proposal)
    session.flush()
    record_event(
        session,
        proposal=proposal,
        actor=user,
        action="create",
        to_status=Status.draft.value,
        changes={"title": proposal.title, "co_author_ids": co_authors},
    )
    session.commit()
    session.refresh(proposal)
    return proposal


def check_author(proposal: Proposal, user: User) -> None:
    """403 for anyone but the proposal's authors (who alone may edit it)."""
    rules.check_allowed(rules.Activity.edit, proposal, user, rules.Facts())


def _recent_update(
    session: Session, proposal: Proposal, user: User, within: timedelta
) -> ProposalEvent | None:
    """The proposal's latest event when it is this user's own edit from less than
    `within` ago."""
    latest = session.exec(
        select(ProposalEvent)
        .where(ProposalEvent.proposal_id == proposal.id)
        .order_by(col(ProposalEvent.created_at).desc(), col(ProposalEvent.id).desc())
        .limit(1)
    ).first()
    if latest is None or latest.action != "update" or latest.actor_id != user.id:
        return None
    return latest if latest.created_at >= utcnow() - within else None


def update_proposal(
    session: Session,
    *,
    proposal_id: int,
    changes: dict[str, Any],
    user: User,
    expected_version: int | None,
    merge_within: timedelta | None = None,
) -> Proposal:
    """Edits a draft or returned proposal with the fields given (ProposalUpdate). 404 when not visible; 403 for anyone but its
    authors (and co-author changes by anyone but the main author); 422 for bad values;
    409 outside draft/returned; 412 for a stale version. With `merge_within` (the form's
    autosave) the changes join the user's own "update" event if it is the proposal's latest
    and that recent, so that saving every few seconds does not fill the timeline."""
    proposal = get_proposal(session, proposal_id=proposal_id, user=user)
    check_author(proposal, user)
    if isinstance(changes, dict) and "co_author_ids" in changes and user.id != proposal.author_id:
        raise Forbidden(ONLY_MAIN_AUTHOR_CO_AUTHORS)
    changes_in = validate_body(ProposalUpdate, changes).model_dump(exclude_unset=True)
    if "co_author_ids" in changes_in and user.id != proposal.author_id:
        raise Forbidden(ONLY_MAIN_AUTHOR_CO_AUTHORS)
    for name in ("title", "kind", "category", "already_implemented", "co_author_ids"):
        if name in changes_in and changes_in[name] is None:
            raise Invalid.field(name, N_("この項目は空にできません。"))
    for name in TEXT_FIELDS:
        if name in changes_in and changes_in[name] is None:
            changes_in[name] = ""
    if "initiative_id" in changes_in:
        _check_initiative(session, changes_in["initiative_id"])
    if "co_author_ids" in changes_in:
        changes_in["co_author_ids"] = _check_co_authors(
            session, changes_in["co_author_ids"], proposal.author_id
        )
    if changes_in.get("round_id") is not None and changes_in["round_id"] != proposal.round_id:
        _resolve_round(session, changes_in["round_id"], proposal.fiscal_year)
    elif "round_id" in changes_in:
        changes_in.pop("round_id")
    lock(session, proposal)
    rules.check_open(rules.Activity.edit, proposal)
    check_version(proposal.version, expected_version)

    changed: dict[str, list[Any]] = {}
    for name, value in changes_in.items():
        if isinstance(value, Kind | Category):
            value = value.value
        if name == "co_author_ids":
            old = proposal.co_author_ids
            if old != value:
                proposal.co_author_rows = [ProposalCoAuthor(user_id=uid) for uid in value]
                changed[name] = [old, value]
            continue
        old = getattr(proposal, name)
        if old != value:
            setattr(proposal, name, value)
            changed[name] = [old, value]
    if not changed:
        return proposal
    claim(session, proposal)
    recent = _recent_update(session, proposal, user, merge_within) if merge_within else None
    if recent is not None:
        merge_changes(session, recent, changed)
    else:
        record_event(session, proposal=proposal, actor=user, action="update", changes=changed)
    session.commit()
    session.refresh(proposal)
    return proposal


# -- intake actions (their work, listed in lifecycle.performers) ------------------------------


def validate_submit(session: Session, *, proposal: Proposal, user: User, body: EmptyBody) -> None:
    missing = [name for name in REQUIRED_FOR_SUBMIT if not (getattr(proposal, name) or "").strip()]
    if missing:
        raise Invalid(
            REQUIRED_TO_SUBMIT,
            errors=[{"loc": ["body", name], "msg": REQUIRED_TO_SUBMIT} for name in missing],
        )
    round_ = session.get(Round, proposal.round_id)
    if round_ is not None and round_.kind != RoundKind.standing.value:
        rounds_service.check_open(round_)


def submit(session: Session, *, proposal: Proposal, user: User, body: EmptyBody) -> dict[str, Any]:
    """Snapshots the author's department and sets the fiscal year of submission."""
    now = utcnow()
    author = session.get(User, proposal.author_id)
    proposal.submitted_at = now
    proposal.fiscal_year = fiscal_year_of(now)
    proposal.department_id = author.department_id if author else None
    round_ = session.get(Round, proposal.round_id)
    if (
        round_ is not None
        and round_.kind == RoundKind.standing.value
        and round_.fiscal_year != proposal.fiscal_year
    ):
        proposal.round_id = id_of(
            rounds_service.standing_round(session, fiscal_year=proposal.fiscal_year)
        )
    return {"department_id": proposal.department_id, "fiscal_year": proposal.fiscal_year}


def return_for_revision(
    session: Session, *, proposal: Proposal, user: User, body: RequiredReasonBody
) -> None:
    """Back to the authors; nothing else changes."""


def not_accept(
    session: Session, *, proposal: Proposal, user: User, body: RequiredReasonBody
) -> None:
    """Refused under the regulation (complaints only, personnel matters, …)."""


def withdraw(session: Session, *, proposal: Proposal, user: User, body: ReasonBody) -> None:
    """The author takes the proposal back."""


def next_number(session: Session, *, fiscal_year: int) -> str:
    """The next number of the fiscal year (R7-0003). The counter row's UPDATE is atomic
    and holds its lock until commit, so concurrent accepts never share a serial."""
    insert_if_absent(
        session, ProposalCounter, {"fiscal_year": fiscal_year, "last_serial": 0}, ["fiscal_year"]
    )
    serial = session.execute(
        update(ProposalCounter)
        .where(col(ProposalCounter.fiscal_year) == fiscal_year)
        .values(last_serial=ProposalCounter.last_serial + 1)
        .returning(col(ProposalCounter.last_serial))
    ).scalar_one()
    return f"{fiscal_year_short(fiscal_year)}-{serial:04d}"


def accept(session: Session, *, proposal: Proposal, user: User, body: EmptyBody) -> dict[str, Any]:
    """Gives the proposal its number for its fiscal year."""
    proposal.number = next_number(session, fiscal_year=proposal.fiscal_year)
    proposal.accepted_at = utcnow()
    return {"number": proposal.number}


# -- the supervisor's opinion (所属長意見) ------------------------------------------------


def check_supervisor(proposal: Proposal, user: User) -> None:
    """403 unless a supervisor of the proposal's department."""
    rules.check_allowed(rules.Activity.opinion, proposal, user, rules.Facts())


def set_supervisor_opinion(
    session: Session,
    *,
    proposal_id: int,
    user: User,
    body: ModelOrValues[OpinionBody],
    expected_version: int | None,
) -> Proposal:
    """404 when not visible, 403 unless a supervisor of the proposal's department,
    422 for a blank opinion, 409 outside submitted/in_review, 412 when stale."""
    proposal = get_proposal(session, proposal_id=proposal_id, user=user)
    check_supervisor(proposal, user)
    opinion = validate_body(OpinionBody, body).opinion
    if not opinion.strip():
        raise Invalid.field("opinion", N_("意見を入力してください。"))
    lock(session, proposal)
    rules.check_open(rules.Activity.opinion, proposal)
    check_version(proposal.version, expected_version)
    old = proposal.supervisor_opinion
    proposal.supervisor_opinion = opinion
    proposal.supervisor_opinion_by_id = user.id
    proposal.supervisor_opinion_at = utcnow()
    claim(session, proposal)
    record_event(
        session,
        proposal=proposal,
        actor=user,
        action="opinion",
        changes={"supervisor_opinion": [old, opinion]},
    )
    session.commit()
    session.refresh(proposal)
    return proposal


def intake_queue(session: Session, *, user: User) -> list[Proposal]:
    """受付待ち: submitted proposals, oldest submission first (it decides priority
    between near-identical proposals)."""
    query = (
        select(Proposal)
        .where(visible_clause(user))
        .where(rules.status_in(Proposal.status, rules.AWAITING_INTAKE))
        .order_by(col(Proposal.submitted_at), col(Proposal.id))
    )
    return list(session.exec(query).all())
