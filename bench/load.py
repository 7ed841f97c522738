"""Bulk load for the benchmarks: a town's decade of proposals, inserted through the models'
tables in batches (not the lifecycle, not the API), so 100,000 proposals load in minutes.

Statuses in the proportions below, ten fiscal years, 12 initiatives plus none, 30
departments of 10–40 staff, stage timestamps a few days to months apart, budget records for
most adopted proposals, milestones for those being carried out.
"""

import random
from datetime import UTC, date, datetime, timedelta

# (status, weight): most proposals end somewhere after review.
# Title and summary words, so that a search narrows the list as it would in a real town.
SUBJECTS = [
    "窓口",
    "電子申請",
    "会議録",
    "ペーパーレス",
    "文書管理",
    "庁内LAN",
    "公用車",
    "防災無線",
    "住民票",
    "税証明",
    "給与明細",
    "出退勤",
    "印鑑",
    "議会資料",
    "保育所",
    "ごみ収集",
    "道路補修",
    "水道検針",
    "図書館",
    "観光案内",
    "学校給食",
    "健診予約",
    "契約事務",
    "財務会計",
]
ACTIONS = [
    "の電子化",
    "の見直し",
    "の一元化",
    "の自動化",
    "の共同利用",
    "の予約システム化",
    "の手順短縮",
    "の標準化",
    "のオンライン化",
    "の集約",
]
SUMMARIES = [
    "事務の効率化",
    "住民の待ち時間の短縮",
    "紙と印刷費の削減",
    "入力の二重化をなくす",
    "問い合わせ対応の削減",
    "職員の移動時間の削減",
]

STATUSES = [
    ("draft", 4),
    ("submitted", 3),
    ("returned", 1),
    ("not_accepted", 2),
    ("in_review", 5),
    ("adopted", 6),
    ("deferred", 4),
    ("rejected", 20),
    ("budgeted", 5),
    ("in_progress", 15),
    ("completed", 30),
    ("withdrawn", 5),
]
AFTER_ACCEPT = {
    "in_review",
    "adopted",
    "deferred",
    "rejected",
    "budgeted",
    "in_progress",
    "completed",
}
DECIDED = {"adopted", "deferred", "rejected", "budgeted", "in_progress", "completed"}
ADOPTED = {"adopted", "budgeted", "in_progress", "completed"}
STARTED = {"in_progress", "completed"}


def load(engine, count: int, seed: int = 7) -> int:
    """Bulk-inserts departments, users, proposals, budget records and milestones; returns
    the fiscal year with the most proposals (the one timed)."""
    from sqlalchemy import insert, select

    from app.models import (
        BudgetRecord,
        Department,
        Initiative,
        Milestone,
        Proposal,
        Round,
        User,
    )

    rng = random.Random(seed)
    now = datetime.now(UTC)
    years = list(range(2017, 2027))
    with engine.begin() as db:
        initiative_ids = [None, *db.execute(select(Initiative.id)).scalars()]
        db.execute(
            insert(Department),
            [
                {
                    "code": f"B{n:03d}",
                    "name": f"ベンチ課{n}",
                    "is_active": True,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(30)
            ],
        )
        departments = list(db.execute(select(Department.id)).scalars())
        users = []
        for department in departments:
            for _ in range(rng.randint(10, 40)):
                n = len(users)
                users.append(
                    {
                        "email": f"bench{n}@example.jp",
                        "name": f"職員 {n}",
                        "name_kana": "",
                        "password_hash": "!",
                        "department_id": department,
                        "is_active": True,
                        "employment_type": "regular",
                        "position": "",
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        db.execute(insert(User), users)
        user_rows = db.execute(select(User.id, User.department_id)).all()
        rounds = {}
        for year in years:
            rounds[year] = db.execute(
                insert(Round).returning(Round.id),
                {
                    "fiscal_year": year,
                    "kind": "theme",
                    "title": f"{year}年度 ベンチマーク",
                    "description": "",
                    "starts_on": date(year, 4, 1),
                    "ends_on": date(year + 1, 3, 31),
                    "created_at": now,
                },
            ).scalar_one()
        statuses = [s for s, _ in STATUSES]
        weights = [w for _, w in STATUSES]
        rows, counters = [], dict.fromkeys(years, 0)
        for i in range(count):
            status = rng.choices(statuses, weights)[0]
            year = rng.choice(years)
            author, department = rng.choice(user_rows)
            created = datetime(year, 4, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 330))
            submitted = None if status == "draft" else created + timedelta(days=rng.randint(0, 5))
            accepted = decided = started = completed = None
            number = None
            if status in AFTER_ACCEPT:
                counters[year] += 1
                number = f"B{year}-{counters[year]:05d}"
                accepted = submitted + timedelta(days=rng.randint(1, 14))
            if status in DECIDED:
                decided = accepted + timedelta(days=rng.randint(14, 90))
            if status in STARTED:
                started = decided + timedelta(days=rng.randint(7, 200))
            if status == "completed":
                completed = started + timedelta(days=rng.randint(30, 365))
            hours = rng.choice([None, rng.randint(10, 2000)])
            rows.append(
                {
                    "number": number,
                    "version": 1,
                    "title": f"{rng.choice(SUBJECTS)}{rng.choice(ACTIONS)} ({i})",
                    "summary": rng.choice(SUMMARIES),
                    "current_situation": "",
                    "proposal_text": "",
                    "expected_effect": "",
                    "kind": rng.choice(["improvement", "policy"]),
                    "category": "efficiency",
                    "already_implemented": False,
                    "initiative_id": rng.choice(initiative_ids),
                    "round_id": rounds[year],
                    "author_id": author,
                    "department_id": None if status == "draft" else department,
                    "estimated_hours_saved_per_year_hours": hours,
                    "estimated_savings_yen_per_year": rng.choice([None, rng.randint(0, 10**6)]),
                    "estimated_cost_yen": rng.choice([None, rng.randint(0, 5 * 10**6)]),
                    "reviews_in": 2 if status in AFTER_ACCEPT else 0,
                    "reviewers_assigned": 0,
                    "needs_discussion": False,
                    "score": rng.randint(30, 95) if status in DECIDED else None,
                    "outcome": "adopted" if status in ADOPTED else None,
                    "implementing_department_id": department if status in ADOPTED else None,
                    "target_hours_saved_per_year_hours": hours if status in ADOPTED else None,
                    "actual_hours_saved_per_year_hours": (
                        rng.randint(0, 2500) if status == "completed" else None
                    ),
                    "actual_savings_yen_per_year": (
                        rng.randint(0, 10**6) if status == "completed" else None
                    ),
                    "actual_cost_yen": rng.randint(0, 10**6) if status == "completed" else None,
                    "progress_percent": (
                        100
                        if status == "completed"
                        else rng.randint(0, 99)
                        if status == "in_progress"
                        else None
                    ),
                    "planned_end_date": (started + timedelta(days=180)).date() if started else None,
                    "status": status,
                    "fiscal_year": year,
                    "created_at": created,
                    "updated_at": created,
                    "submitted_at": submitted,
                    "accepted_at": accepted,
                    "decided_at": decided,
                    "started_at": started,
                    "completed_at": completed,
                }
            )
        for start in range(0, len(rows), 1000):
            db.execute(insert(Proposal), rows[start : start + 1000])
        adopted = db.execute(
            select(Proposal.id, Proposal.fiscal_year, Proposal.status).where(
                Proposal.status.in_(ADOPTED)
            )
        ).all()
        budgets, milestones = [], []
        for proposal_id, year, status in adopted:
            if rng.random() < 0.8:
                requested = rng.randint(1, 50) * 100_000
                budgets.append(
                    {
                        "proposal_id": proposal_id,
                        "required": True,
                        "fiscal_year": year + 1,
                        "budget_type": "initial",
                        "requested_yen": requested,
                        "approved_yen": None if status == "adopted" else requested,
                        "funding_source": "general",
                        "status": "requested" if status == "adopted" else "approved",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            if status == "in_progress":
                for k in range(3):
                    milestones.append(
                        {
                            "proposal_id": proposal_id,
                            "title": f"工程{k + 1}",
                            "due_date": date.today() + timedelta(days=rng.randint(-60, 120)),
                            "weight": 1,
                            "done_on": None,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
        if budgets:
            db.execute(insert(BudgetRecord), budgets)
        if milestones:
            db.execute(insert(Milestone), milestones)
    return max(counters, key=counters.get)
