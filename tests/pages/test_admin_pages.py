"""Admin pages for users and departments: forms, inline errors, role gates, and that the
pages and the API share one service."""

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app.models import Department, User
from app.models.enums import Role
from tests.conftest import PageClient


def user_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(User)).one()


def test_admin_registers_a_user_through_the_form(page_as, make_user, make_department, session):
    admin = make_user(Role.admin)
    department = make_department("福祉課")
    page: PageClient = page_as(admin)
    form = page.get("/admin/users/new")
    assert form.status_code == 200 and "職員の登録" in form.text
    assert "会計年度任用職員" in form.text
    response = page.post_form(
        "/admin/users/new",
        {
            "name": "佐藤 美咲",
            "email": "misaki.sato@test.example",
            "department_id": str(department.id),
            "employment_type": "fiscal_year_appointed",
            "roles": ["reviewer", "finance"],
            "is_active": "1",
            "password": "initial-password",
        },
    )
    assert response.status_code == 303, response.text
    created = session.exec(select(User).where(User.email == "misaki.sato@test.example")).one()
    assert created.roles == ["staff", "reviewer", "finance"]
    assert created.employment_type == "fiscal_year_appointed"
    listing = page.get("/admin/users")
    assert "佐藤 美咲" in listing.text and "職員「佐藤 美咲」を登録しました。" in listing.text


def test_invalid_user_form_shows_japanese_errors_inline_and_writes_nothing(
    page_as, make_user, session
) -> None:
    admin = make_user(Role.admin, email="taken@test.example")
    page: PageClient = page_as(admin)
    before = user_count(session)
    response = page.post_form(
        "/admin/users/new",
        {"name": "", "email": "taken@test.example", "password": "short", "roles": ["boss"]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    html = response.text
    assert html.lstrip().startswith("<form")  # htmx gets the form fragment only
    assert "必須項目です。" in html or "1文字以上" in html
    assert "パスワードは12文字以上にしてください" in html
    assert 'aria-invalid="true"' in html
    assert user_count(session) == before
    # The service's rule (e-mail taken) also comes back inline, on a plain post too.
    second = page.post_form(
        "/admin/users/new",
        {"name": "重複 太郎", "email": "taken@test.example", "password": "long-enough-pass"},
    )
    assert second.status_code == 422
    assert "このメールアドレスは既に登録されています。" in second.text
    assert "<html" in second.text  # a full page without htmx
    assert user_count(session) == before


def test_user_edit_with_stale_version_is_refused(page_as, make_user, session) -> None:
    admin = make_user(Role.admin)
    target = make_user(name="異動 前")
    page: PageClient = page_as(admin)
    form = {
        "name": "異動 後",
        "email": target.email,
        "employment_type": "regular",
        "is_active": "1",
        "version": "1",
    }
    assert page.post_form(f"/admin/users/{target.id}", form).status_code == 303
    stale = page.post_form(f"/admin/users/{target.id}", {**form, "name": "上書き"})
    assert stale.status_code == 422
    assert "他の人が先に更新しました" in stale.text
    session.expire_all()
    assert session.get(User, target.id).name == "異動 後"


def test_change_through_the_api_shows_on_the_page(page_as, api_as, make_user) -> None:
    admin = make_user(Role.admin)
    target = make_user(name="旧姓 花子")
    api_as(admin).patch(
        f"/api/v1/users/{target.id}", json={"name": "新姓 花子", "roles": ["finance"]}
    )
    html = page_as(admin).get("/admin/users").text
    assert "新姓 花子" in html and "旧姓 花子" not in html
    assert "財政担当" in html


def test_user_list_filters_and_htmx_fragment(page_as, make_user, make_department) -> None:
    admin = make_user(Role.admin)
    kikaku = make_department("企画財政課")
    make_user(Role.finance, name="財政 健", department=kikaku)
    make_user(name="住民 一郎")
    page: PageClient = page_as(admin)
    fragment = page.get("/admin/users", params={"role": "finance"}, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="user-table">')
    assert "財政 健" in fragment.text and "住民 一郎" not in fragment.text
    assert "HX-Request" in fragment.headers["vary"]
    by_dept = page.get("/admin/users", params={"department_id": kikaku.id}).text
    assert "財政 健" in by_dept and "住民 一郎" not in by_dept
    by_name = page.get("/admin/users", params={"q": "住民"}).text
    assert "住民 一郎" in by_name and "財政 健" not in by_name


def test_department_pages(page_as, make_user, session) -> None:
    admin = make_user(Role.admin)
    page: PageClient = page_as(admin)
    created = page.post_form(
        "/admin/departments/new", {"code": "110", "name": "議会事務局", "is_active": "1"}
    )
    assert created.status_code == 303
    department = session.exec(select(Department).where(Department.code == "110")).one()
    duplicate = page.post_form("/admin/departments/new", {"code": "110", "name": "別"})
    assert duplicate.status_code == 422 and "この課コードは既に使われています。" in duplicate.text
    renamed = page.post_form(
        f"/admin/departments/{department.id}",
        {"code": "110", "name": "議会事務局（新）", "version": "1"},
    )
    assert renamed.status_code == 303
    listing = page.get("/admin/departments").text
    assert "議会事務局（新）" in listing
    assert "廃止" in listing  # saved without the is_active box: the department is retired


@pytest.mark.parametrize(
    "role", [None, Role.secretariat, Role.reviewer, Role.finance, Role.supervisor]
)
@pytest.mark.parametrize(
    "path", ["/admin/users", "/admin/users/new", "/admin/departments", "/admin/departments/new"]
)
def test_admin_pages_are_403_in_japanese_for_other_roles(page_as, make_user, role, path) -> None:
    page = page_as(make_user(*([role] if role else [])))
    response = page.get(path)
    assert response.status_code == 403
    assert "アクセスできません" in response.text
    assert "職員管理" not in response.text  # and the menu does not offer it


def test_non_admin_form_posts_are_403_and_write_nothing(page_as, make_user, session) -> None:
    page: PageClient = page_as(make_user(Role.secretariat))
    before = user_count(session)
    response = page.post_form(
        "/admin/users/new",
        {"name": "不正", "email": "x@test.example", "password": "long-enough-pass"},
    )
    assert response.status_code == 403
    assert user_count(session) == before


def test_navigation_follows_roles(page_as, make_user) -> None:
    admin_home = page_as(make_user(Role.admin)).get("/").text
    staff_home = page_as(make_user()).get("/").text
    assert 'href="/admin/users"' in admin_home
    assert 'href="/admin/users"' not in staff_home
    assert 'href="/initiatives"' in staff_home


def test_initiatives_page_lists_the_plan(page_as, make_user) -> None:
    page = page_as(make_user())
    html = page.get("/initiatives").text
    assert html.count('class="card initiative"') == 12
    assert "自治体の情報システムの標準化・共通化" in html
    assert "令和3年度～令和7年度" in html
    assert "推進体制立ち上げ・移行計画策定" in html
    detail = page.get("/initiatives/11")
    assert "オープンデータ活用の推進" in detail.text
    assert page.get("/initiatives/13").status_code == 404


def test_japanese_404_page(page_as, make_user) -> None:
    response = page_as(make_user()).get("/no/such/page")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.text


def test_japanese_500_page(settings, db_engine) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app

    app = create_app(settings, engine=db_engine)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert "システムエラー" in response.text and "secret detail" not in response.text
    assert response.headers["x-frame-options"] == "DENY"
