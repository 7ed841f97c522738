"""The yardstick: a bare FastAPI app that serves the detail endpoint's JSON (read once from
the file named by BENCH_BARE_JSON) with no database, no sign-in and no middleware, through
FastAPI's ordinary serialisation. bench/run.py starts it with uvicorn beside the real server
and reports the real server's throughput as a ratio to this one's.
"""

import json
import os

from fastapi import FastAPI

app = FastAPI()
with open(os.environ["BENCH_BARE_JSON"], encoding="utf-8") as source:
    DOCUMENT = json.load(source)


@app.get("/api/v1/proposals/{proposal_id}")
def detail(proposal_id: int) -> dict:
    return DOCUMENT
