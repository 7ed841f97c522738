"""Amounts and hours as people type them (app/models/numbers.py): ５万 is 50,000 yen, and
text that is no number is refused with a message saying what to type."""


def test_amounts_and_hours_as_typed(api_as, make_user) -> None:
    api = api_as(make_user())
    body = {
        "title": "押印の廃止",
        "estimated_savings_yen_per_year": "５万",
        "estimated_cost_yen": "1.5万円",
        "estimated_hours_saved_per_year_hours": "１２０時間",
    }
    created = api.post("/api/v1/proposals", json=body)
    assert created.status_code == 201, created.text
    proposal = created.json()
    assert proposal["estimated_savings_yen_per_year"] == 50_000
    assert proposal["estimated_cost_yen"] == 15_000
    assert proposal["estimated_hours_saved_per_year_hours"] == 120


def test_text_that_is_no_number_says_what_to_type(api_as, make_user) -> None:
    api = api_as(make_user())
    for field, value, message in (
        (
            "estimated_savings_yen_per_year",
            "約5万円",
            "金額は数字で入力してください（例: 50000、５万）。",
        ),
        ("estimated_cost_yen", "たくさん", "金額は数字で入力してください（例: 50000、５万）。"),
        (
            "estimated_hours_saved_per_year_hours",
            "数時間",
            "時間は数字で入力してください（例: 120、１２０時間）。",
        ),
    ):
        response = api.post("/api/v1/proposals", json={"title": "押印の廃止", field: value})
        assert response.status_code == 422, (field, value)
        errors = response.json()["errors"]
        assert errors[0]["loc"] == ["body", field]
        assert errors[0]["msg"] == message
    assert api.get("/api/v1/proposals").json()["total"] == 0
