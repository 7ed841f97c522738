"""Users: created and edited by admins; everyone can read themselves."""

import unicodedata
from collections.abc import Sequence

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from app.errors import Invalid, NotFound
from app.i18n import N_
from app.models import Department, User, UserRole
from app.models.enums import EmailSetting, Role
from app.models.types import ID_MAX, id_of, utcnow
from app.models.user import UserCreate, UserUpdate, normalise_employee_number
from app.passwords import password_problem
from app.security import hash_password, verify_password
from app.services import sessions
from app.services.concurrency import check_version
from app.services.pagination import PageParams, paginate
from app.services.search import escape_like

EMAIL_TAKEN = N_("このメールアドレスは既に登録されています。")
EMPLOYEE_NUMBER_TAKEN = N_("この職員番号は既に登録されています。")
UNKNOWN_DEPARTMENT = N_("指定された課が見つかりません。")
NOT_FOUND = N_("指定された職員が見つかりません。")
KEEP_OWN_ADMIN = N_("自分自身の管理者権限や有効状態は変更できません（締め出し防止）。")


def list_users(
    session: Session,
    *,
    page: PageParams,
    q: str | None = None,
    department_id: int | None = None,
    role: Role | None = None,
    is_active: bool | None = None,
) -> tuple[list[User], int]:
    query = select(User).order_by(col(User.department_id), col(User.id))
    if q:
        pattern = f"%{q.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(User.name).like(pattern),
                func.lower(User.email).like(pattern),
                func.lower(func.coalesce(User.name_kana, "")).like(pattern),
                func.lower(func.coalesce(User.employee_number, "")).like(pattern),
            )
        )
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    if role is not None and role != Role.staff:
        query = query.where(
            col(User.id).in_(select(UserRole.user_id).where(UserRole.role == role.value))
        )
    if is_active is not None:
        query = query.where(col(User.is_active).is_(is_active))
    return paginate(session, query, page)


def _kana_variants(text: str) -> set[str]:
    """The text as typed, in katakana and in hiragana (やまだ finds ヤマダ and the other way)."""
    katakana = "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)
    hiragana = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)
    return {text, katakana, hiragana}


COLLEAGUES_SHOWN = 10


def find_colleagues(
    session: Session, *, q: str, user: User, exclude_ids: Sequence[int] = ()
) -> list[User]:
    """Active staff other than `user` (and `exclude_ids`) whose name or reading contains `q`
    (NFKC, either kana), by reading then name — the co-author picker's suggestions."""
    text = unicodedata.normalize("NFKC", q).strip().lower()
    if not text:
        return []
    conditions = []
    for variant in _kana_variants(text):
        pattern = f"%{escape_like(variant)}%"
        conditions += [
            func.lower(User.name).like(pattern, escape="\\"),
            func.lower(func.coalesce(User.name_kana, "")).like(pattern, escape="\\"),
        ]
    query = (
        select(User)
        .where(col(User.is_active).is_(True))
        .where(User.id != user.id)
        .where(or_(*conditions))
    )
    if exclude_ids:
        query = query.where(col(User.id).not_in(list(exclude_ids)))
    query = query.order_by(col(User.name_kana), col(User.name), col(User.id))
    return list(session.exec(query.limit(COLLEAGUES_SHOWN)).all())


def get_user(session: Session, *, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(NOT_FOUND)
    return user


def _check_department(session: Session, department_id: int | None) -> None:
    if department_id is None:
        return
    # An id no row can have is unknown too (the database would refuse to compare it).
    if not 1 <= department_id <= ID_MAX or session.get(Department, department_id) is None:
        raise Invalid.field("department_id", UNKNOWN_DEPARTMENT)


def _check_email_free(session: Session, email: str, *, except_id: int | None = None) -> None:
    query = select(User.id).where(User.email == email)
    if except_id is not None:
        query = query.where(User.id != except_id)
    if session.exec(query).first() is not None:
        raise Invalid.field("email", EMAIL_TAKEN)


def _check_employee_number_free(
    session: Session, number: str | None, *, except_id: int | None = None
) -> None:
    if number is None:
        return
    query = select(User.id).where(User.employee_number == number)
    if except_id is not None:
        query = query.where(User.id != except_id)
    if session.exec(query).first() is not None:
        raise Invalid.field("employee_number", EMPLOYEE_NUMBER_TAKEN)


def find_by_login(session: Session, *, login: str) -> User | None:
    """The user a sign-in name names: their e-mail, or else their 職員番号 (in any case or
    width). `login` is what was typed, trimmed and lower-cased."""
    user = session.exec(select(User).where(User.email == login)).first()
    if user is not None or "@" in login:
        return user
    try:
        number = normalise_employee_number(login)
    except ValueError:
        return None
    return session.exec(select(User).where(User.employee_number == number)).first()


def _set_roles(user: User, roles: list[Role]) -> None:
    wanted = {Role.staff.value} | {role.value for role in roles}
    user.role_rows = [row for row in user.role_rows if row.role in wanted]
    held = {row.role for row in user.role_rows}
    for role in Role:
        if role.value in wanted and role.value not in held:
            user.role_rows.append(UserRole(role=role.value))


def create_user(session: Session, *, data: UserCreate) -> User:
    """Raises Invalid (422) for a taken e-mail or 職員番号, or an unknown department."""
    _check_email_free(session, data.email)
    _check_employee_number_free(session, data.employee_number)
    _check_department(session, data.department_id)
    user = User(
        email=data.email,
        employee_number=data.employee_number,
        name=data.name,
        name_kana=data.name_kana,
        department_id=data.department_id,
        position=data.position,
        employment_type=data.employment_type.value,
        is_active=data.is_active,
        password_hash=hash_password(data.password),
    )
    _set_roles(user, data.roles)
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def update_user(
    session: Session,
    *,
    user_id: int,
    data: UserUpdate,
    actor: User,
    expected_version: int | None,
) -> User:
    """Raises NotFound, PreconditionFailed (stale version), or Invalid for a taken e-mail,
    an unknown department, or an admin removing their own admin role or access."""
    user = get_user(session, user_id=user_id)
    check_version(user.version, expected_version)
    changes = data.model_dump(exclude_unset=True)
    for field in ("email", "name", "employment_type", "roles", "is_active"):
        if field in changes and changes[field] is None:
            raise Invalid.field(field, "この項目は空にできません。")
    if "email" in changes:
        _check_email_free(session, changes["email"], except_id=user.id)
    if "employee_number" in changes:
        _check_employee_number_free(session, changes["employee_number"], except_id=user.id)
    if "department_id" in changes:
        _check_department(session, changes["department_id"])
    if user.id == actor.id and (
        changes.get("is_active") is False or ("roles" in changes and Role.admin not in data.roles)
    ):
        raise Invalid.field("roles" if "roles" in changes else "is_active", KEEP_OWN_ADMIN)

    password = changes.pop("password", None)
    if password:
        problem = password_problem(password, changes.get("email") or user.email)
        if problem is not None:
            raise Invalid.field("password", problem)
        user.password_hash = hash_password(password)
    if password or changes.get("is_active") is False:
        # A reset password or a deactivated account signs out everywhere, at once.
        sessions.revoke_all(session, user_id=id_of(user))
    if "roles" in changes:
        _set_roles(user, data.roles or [])
        changes.pop("roles")
    if "employment_type" in changes:
        changes["employment_type"] = data.employment_type.value
    for field, value in changes.items():
        setattr(user, field, value)
    user.version += 1
    user.updated_at = utcnow()
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def ensure_admin(
    session: Session, *, email: str, password: str, name: str | None
) -> tuple[User, bool]:
    """The CLI's create-admin: creates the admin, or makes an existing user an active admin
    with this password. Returns (user, created)."""
    existing = session.exec(select(User).where(User.email == email)).first()
    if existing is None:
        data = UserCreate(
            email=email, name=name or "システム管理者", password=password, roles=[Role.admin]
        )
        return create_user(session, data=data), True
    _set_roles(existing, [Role(r) for r in existing.roles] + [Role.admin])
    problem = password_problem(password, email)
    if problem is not None:
        raise Invalid.field("password", problem)
    existing.password_hash = hash_password(password)
    existing.is_active = True
    sessions.revoke_all(session, user_id=id_of(existing))
    if name:
        existing.name = name
    existing.version += 1
    existing.updated_at = utcnow()
    session.add(existing)
    session.commit()
    session.refresh(existing)
    return existing, False


WRONG_CURRENT_PASSWORD = N_("現在のパスワードが正しくありません。")


def change_own_password(
    session: Session,
    *,
    user: User,
    current_password: str,
    new_password: str,
    keep_session_id: int | None,
) -> None:
    """A user changes their own password. Raises Invalid for a wrong current password or
    a new one the policy refuses. Every other sign-in of the user ends; the one making
    the change (`keep_session_id`) stays."""
    if not verify_password(current_password, user.password_hash):
        raise Invalid.field("current_password", WRONG_CURRENT_PASSWORD)
    problem = password_problem(new_password, user.email)
    if problem is not None:
        raise Invalid.field("new_password", problem)
    user.password_hash = hash_password(new_password)
    user.version += 1
    user.updated_at = utcnow()
    session.add(user)
    sessions.revoke_all(session, user_id=id_of(user), keep_id=keep_session_id)
    session.commit()


def set_notification_email(session: Session, *, user: User, setting: EmailSetting) -> None:
    """The person's own choice of how notices are mailed (docs/mail.md)."""
    user.notification_email = EmailSetting(setting).value
    user.updated_at = utcnow()
    session.add(user)
    session.commit()
    session.refresh(user)
