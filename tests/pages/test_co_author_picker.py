"""The co-author picker (issue 17, item 9): a name or its reading, in either kana, brings
suggestions; choosing one adds a checked box the form submits."""

from app.models.department import DepartmentCreate
from app.services.departments import create_department


def test_suggestions_by_name_or_reading_in_either_kana(page_as, make_user, session) -> None:
    home = create_department(session, data=DepartmentCreate(code="P01", name="住民課"))
    me = make_user(name="山田 一郎", name_kana="ヤマダ イチロウ")
    yamaguchi = make_user(name="山口 花子", name_kana="ヤマグチ ハナコ", department=home)
    make_user(name="佐藤 次郎", name_kana="サトウ ジロウ")
    make_user(name="山本 退職", name_kana="ヤマモト", is_active=False)
    page = page_as(me)

    def options(**params) -> str:
        response = page.get("/proposals/co-author-options", params=params)
        assert response.status_code == 200
        return response.text

    for typed in ("やまぐち", "ヤマグチ", "山口", "ﾔﾏｸﾞﾁ"):
        html = options(co_author_q=typed)
        assert "山口 花子" in html and "住民課" in html, typed
        assert f"/proposals/co-author-chip?user_id={yamaguchi.id}" in html
    found = options(co_author_q="やま")
    assert "山口 花子" in found
    assert "山田 一郎" not in found  # not oneself
    assert "山本 退職" not in found  # not someone who has left
    assert "山口 花子" not in options(
        co_author_q="やま", co_author_ids=yamaguchi.id
    )  # already chosen
    assert "該当する職員はいません。" in options(co_author_q="存在しない")
    assert "該当する職員はいません。" in options(co_author_q="%")  # a literal %, not a wildcard
    chip = page.get("/proposals/co-author-chip", params={"user_id": yamaguchi.id})
    assert f'name="co_author_ids" value="{yamaguchi.id}" checked' in chip.text
    assert page.get("/proposals/co-author-chip", params={"user_id": me.id}).status_code == 404
    assert page.get("/proposals/co-author-chip", params={"user_id": 99999}).status_code == 404
