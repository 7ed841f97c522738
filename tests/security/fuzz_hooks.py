"""Schemathesis hooks for tests/security/test_fuzz_openapi.py (loaded through
SCHEMATHESIS_HOOKS in the `st run` subprocess; settings come from FUZZ_* variables).

The fuzzer signs in like any client (POST /api/v1/auth/token with a password) as one
user holding every role. Operations that end the caller's own sign-in (logout) get a
sign-in of their own, so they are fuzzed without signing the rest of the run out; should
the main token be revoked anyway (DELETE /auth/sessions/{its id} is a valid request), the
next 401 makes schemathesis sign in again. Only the fuzzer's own account is out of
bounds: a new password, fewer roles or deactivation would turn every later request into a
401 or 403, which tests nothing."""

import os

import requests
import schemathesis

BASE_URL = os.environ.get("FUZZ_BASE_URL", "")
EMAIL = os.environ.get("FUZZ_EMAIL", "")
PASSWORD = os.environ.get("FUZZ_PASSWORD", "")
USER_ID = os.environ.get("FUZZ_USER_ID", "")
# (method, path) of the operations that revoke the very token they are called with.
SESSION_ENDING = {("POST", "/api/v1/auth/logout")}


def _ends_session(case) -> bool:
    return (case.method.upper(), case.operation.path) in SESSION_ENDING


def _cache_key(case, context) -> str:
    return "throwaway" if _ends_session(case) else "main"


@schemathesis.auth(cache_by_key=_cache_key)
class PasswordSignIn:
    def get(self, case, context) -> str:
        answer = requests.post(
            f"{BASE_URL}/api/v1/auth/token",
            data={"username": EMAIL, "password": PASSWORD},
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()["access_token"]

    def set(self, case, data, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.hook
def filter_case(context, case) -> bool:
    """Leaves out PATCH /api/v1/users/{the fuzzer's own id}."""
    if case.operation.path != "/api/v1/users/{user_id}" or case.method.upper() != "PATCH":
        return True
    return str((case.path_parameters or {}).get("user_id")) != USER_ID
