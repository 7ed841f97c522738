"""Demo data for `make run`: departments, one account per role and a 所属長 (supervisor) for
every department (README lists them)."""

from sqlmodel import Session, select

from app.models import Department, User
from app.models.department import DepartmentCreate
from app.models.enums import EmploymentType, Role
from app.models.user import UserCreate
from app.services.departments import create_department
from app.services.users import create_user

DEMO_PASSWORD = "demo-pass-2025"
DEMO_DOMAIN = "nagi-town.example"

DEPARTMENTS = [
    ("010", "総務課"),
    ("020", "企画財政課"),
    ("030", "住民税務課"),
    ("040", "保健相談課"),
    ("050", "福祉課"),
    ("060", "産業振興課"),
    ("070", "建設課"),
    ("080", "教育委員会事務局"),
]

# (local part, name, kana, department code, position, employment type, roles)
ACCOUNTS = [
    ("admin", "奈義 太郎", "なぎ たろう", "010", "主幹", EmploymentType.regular, [Role.admin]),
    (
        "secretariat",
        "総務 花子",
        "そうむ はなこ",
        "010",
        "主査",
        EmploymentType.regular,
        [Role.secretariat],
    ),
    ("staff", "山田 一郎", "やまだ いちろう", "030", "主事", EmploymentType.regular, []),
    (
        "parttime",
        "佐藤 美咲",
        "さとう みさき",
        "040",
        "事務補助員",
        EmploymentType.fiscal_year_appointed,
        [],
    ),
    (
        "supervisor",
        "住民 課長",
        "じゅうみん かちょう",
        "030",
        "課長",
        EmploymentType.regular,
        [Role.supervisor],
    ),
    (
        "reviewer",
        "審査 進",
        "しんさ すすむ",
        "060",
        "課長補佐",
        EmploymentType.regular,
        [Role.reviewer],
    ),
    (
        "reviewer2",
        "評価 里美",
        "ひょうか さとみ",
        "070",
        "主幹",
        EmploymentType.regular,
        [Role.reviewer],
    ),
    ("finance", "財政 健", "ざいせい けん", "020", "主査", EmploymentType.regular, [Role.finance]),
]


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


# Colleagues without a role of their own, so that every demo department has at least three
# staff, as a real one does: figures for staff merge smaller departments into 「その他」
# (SMALL_GROUP_MIN_STAFF), which would otherwise hide every department in the demo.
COLLEAGUES = [
    ("staff-somu", "総務 一", "そうむ はじめ", "010"),
    ("staff-kikaku1", "企画 二郎", "きかく じろう", "020"),
    ("staff-kikaku2", "企画 三奈", "きかく みな", "020"),
    ("staff-zeimu", "税務 大輔", "ぜいむ だいすけ", "030"),
    ("staff-hoken1", "保健 陽子", "ほけん ようこ", "040"),
    ("staff-hoken2", "相談 恵", "そうだん めぐみ", "040"),
    ("staff-fukushi1", "福祉 誠", "ふくし まこと", "050"),
    ("staff-fukushi2", "福祉 由美", "ふくし ゆみ", "050"),
    ("staff-fukushi3", "介護 拓也", "かいご たくや", "050"),
    ("staff-sangyo1", "産業 翔", "さんぎょう しょう", "060"),
    ("staff-sangyo2", "観光 彩", "かんこう あや", "060"),
    ("staff-kensetsu1", "建設 剛", "けんせつ ごう", "070"),
    ("staff-kensetsu2", "道路 久美", "どうろ くみ", "070"),
    ("staff-kyoiku1", "教育 聡", "きょういく さとし", "080"),
    ("staff-kyoiku2", "学校 舞", "がっこう まい", "080"),
    ("staff-kyoiku3", "文化 健太", "ぶんか けんた", "080"),
]


# The 所属長 of every other department (住民税務課's is `supervisor` above): each department's
# new proposals ask its 所属長 for an opinion.
HEADS = [
    ("head-somu", "総務 課長", "そうむ かちょう", "010"),
    ("head-kikaku", "企画 課長", "きかく かちょう", "020"),
    ("head-hoken", "保健 課長", "ほけん かちょう", "040"),
    ("head-fukushi", "福祉 課長", "ふくし かちょう", "050"),
    ("head-sangyo", "産業 課長", "さんぎょう かちょう", "060"),
    ("head-kensetsu", "建設 課長", "けんせつ かちょう", "070"),
    ("head-kyoiku", "教育 次長", "きょういく じちょう", "080"),
]


def load_demo(session: Session) -> bool:
    """Loads the demo data unless it is already there. Returns True when it loaded."""
    if session.exec(select(User).where(User.email == demo_email("admin"))).first():
        return False
    departments: dict[str, Department] = {}
    for code, name in DEPARTMENTS:
        existing = session.exec(select(Department).where(Department.code == code)).first()
        departments[code] = existing or create_department(
            session, data=DepartmentCreate(code=code, name=name)
        )
    people = [
        *ACCOUNTS,
        *((*h, "課長", EmploymentType.regular, [Role.supervisor]) for h in HEADS),
        *((*c, None, EmploymentType.regular, []) for c in COLLEAGUES),
    ]
    for local, name, kana, code, position, employment, roles in people:
        create_user(
            session,
            data=UserCreate(
                email=demo_email(local),
                name=name,
                name_kana=kana,
                password=DEMO_PASSWORD,
                department_id=departments[code].id,
                position=position,
                employment_type=employment,
                roles=[Role.staff, *roles],
            ),
        )
    from app.demo_proposals import load_demo_proposals

    load_demo_proposals(session)
    return True
