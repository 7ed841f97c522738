"""The DX plan's own facts (period, improvement-proposal section) from app/data."""

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

PLAN_FILE = Path(__file__).resolve().parent.parent / "data" / "dx_initiatives.json"


@lru_cache
def plan_overview() -> dict[str, Any]:
    """The plan's period, its improvement-proposal section and its principles."""
    data = json.loads(PLAN_FILE.read_text(encoding="utf-8"))
    return {
        "period": data["plan_period"],
        "improvement_system": data["improvement_system"],
        "principles": data["principles"],
        "source": data["source"],
    }
