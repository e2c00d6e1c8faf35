"""Sign-in and permissions contract, attacks included, on a real Redis.

Each runtime's server runs as a process; the tests sign in, then try what an attacker
would: a token with its claims changed, one that expired, one signed with another key
or no algorithm at all, another account's id, and guessing passwords.
"""

import base64
import json
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import jwt
import pytest
import redis

from scripts.redis_server import RedisServer
from scripts.servers import RUNTIMES, running_server
from tests.contract.answers import assert_method_not_allowed, media_type

SECRET = "contract-" + "s" * 55  # 64 bytes: enough for HS512 too
RIGHT = "correct horse"  # every test account's password
ATTEMPTS = 5


@pytest.fixture(scope="module")
def server_env(redis_server: RedisServer) -> dict[str, str]:
    return {
        "REDIS_URL": redis_server.url,
        "JWT_SECRET": SECRET,
        "SCRYPT_LOG_N": "14",  # 16 MiB a hash: the tests sign in often
        "SIGNIN_ATTEMPTS": str(ATTEMPTS),
    }


def new_email() -> str:
    # Both runtimes share the module's Redis: every test uses its own address.
    return f"user-{secrets.token_hex(6)}@example.com"


def register(client: httpx.Client, email: str, password: str = RIGHT) -> str:
    response = client.post("/accounts", json={"email": email, "name": "Ada", "password": password})
    assert response.status_code == 201, response.text
    account_id: str = response.json()["id"]
    return account_id


def sign_in(client: httpx.Client, email: str, password: str = RIGHT) -> str:
    response = client.post("/sessions", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def b64url(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_for(account_id: str, **changes: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": account_id,
        "iat": now,
        "exp": now + 600,
        "iss": "guide-auth",
        "aud": "guide-auth",
    }
    return {**claims, **changes}


def assert_unauthorized(response: httpx.Response, error: str | None) -> None:
    assert response.status_code == 401
    assert media_type(response) == "application/problem+json"
    assert response.json()["type"] == "/problems/unauthorized"
    expected = f'Bearer error="{error}"' if error else "Bearer"
    assert response.headers["www-authenticate"] == expected


# --8<-- [start:tests]
def test_register_sign_in_and_read_yourself(client: httpx.Client) -> None:
    email = new_email()
    account_id = register(client, email)
    shouted = {"email": email.upper(), "password": RIGHT}
    response = client.post("/sessions", json=shouted)
    assert response.status_code == 200
    session = response.json()
    assert (session["token_type"], session["expires_in"]) == ("Bearer", 900)
    me = client.get("/me", headers=bearer(session["access_token"]))
    assert me.json() == {"id": account_id, "email": email, "name": "Ada"}


def test_the_password_is_stored_as_a_salted_scrypt_hash(
    client: httpx.Client,
    redis_server: RedisServer,
) -> None:
    account_id = register(client, new_email())
    url = redis_server.url
    with redis.Redis.from_url(url, decode_responses=True) as store:
        stored = str(store.hget(f"account:{account_id}", "password"))
    algorithm, params, salt, key = stored.split("$")
    assert (algorithm, params) == ("scrypt", "ln=14,r=8,p=1")
    assert len(base64.b64decode(salt)) == 16
    assert len(base64.b64decode(key)) == 32
    assert RIGHT not in stored


def test_no_token_is_a_401_with_a_bearer_challenge(
    client: httpx.Client,
) -> None:
    assert_unauthorized(client.get("/me"), error=None)
    basic = {"Authorization": "Basic YWRhOnB3"}
    assert_unauthorized(client.get("/me", headers=basic), error=None)


def test_a_token_whose_claims_were_changed_is_refused(
    client: httpx.Client,
) -> None:
    victim = register(client, new_email())
    attacker = new_email()
    register(client, attacker)
    header, _, signature = sign_in(client, attacker).split(".")
    # The attacker's own signature, over claims that now name the victim.
    forged = f"{header}.{b64url(claims_for(victim))}.{signature}"
    response = client.get("/me", headers=bearer(forged))
    assert_unauthorized(response, "invalid_token")


def another_key(sub: str) -> str:
    return jwt.encode(claims_for(sub), "another secret" * 3, "HS256")


def another_algorithm(sub: str) -> str:
    return jwt.encode(claims_for(sub), SECRET, "HS512")  # the right key


def alg_none(sub: str) -> str:
    header = b64url({"alg": "none", "typ": "JWT"})
    return f"{header}.{b64url(claims_for(sub))}."  # no signature


def expired(sub: str) -> str:
    now = int(time.time())
    claims = claims_for(sub, iat=now - 700, exp=now - 100)
    return jwt.encode(claims, SECRET, "HS256")


def another_audience(sub: str) -> str:
    claims = claims_for(sub, aud="another-api")
    return jwt.encode(claims, SECRET, "HS256")


def no_expiry(sub: str) -> str:
    return jwt.encode({"sub": sub}, SECRET, "HS256")


def not_a_jwt(sub: str) -> str:
    return f"{sub}.{sub}"


@pytest.mark.parametrize(
    "forge",
    [
        another_key,
        another_algorithm,
        alg_none,
        expired,
        another_audience,
        no_expiry,
        not_a_jwt,
    ],
)
def test_a_forged_expired_or_foreign_token_is_refused(
    client: httpx.Client,
    forge: Callable[[str], str],
) -> None:
    token = forge(register(client, new_email()))
    response = client.get("/me", headers=bearer(token))
    assert_unauthorized(response, "invalid_token")


def test_the_same_claims_signed_right_are_accepted(
    client: httpx.Client,
) -> None:
    # The control for the test above.
    account_id = register(client, new_email())
    token = jwt.encode(claims_for(account_id), SECRET, "HS256")
    assert client.get("/me", headers=bearer(token)).status_code == 200


def test_an_account_may_change_itself_and_no_other(
    client: httpx.Client,
) -> None:
    email = new_email()
    mine = register(client, email)
    theirs = register(client, new_email())
    auth = bearer(sign_in(client, email))
    rename = {"name": "Grace"}
    own = client.patch(f"/accounts/{mine}", json=rename, headers=auth)
    assert own.status_code == 200
    assert own.json()["name"] == "Grace"
    other = client.patch(f"/accounts/{theirs}", json=rename, headers=auth)
    assert other.status_code == 403
    assert other.json()["type"] == "/problems/forbidden"
    # No such account: also 403, so ids cannot be probed.
    ghost = client.patch("/accounts/acc_0", json=rename, headers=auth)
    assert ghost.status_code == 403
    unsigned = client.patch(f"/accounts/{mine}", json=rename)
    assert_unauthorized(unsigned, error=None)


def test_wrong_password_and_unknown_address_get_the_same_answer(
    client: httpx.Client,
) -> None:
    email = new_email()
    register(client, email)
    wrong_password = {"email": email, "password": "x" * 12}
    unknown_address = {"email": new_email(), "password": RIGHT}
    wrong = client.post("/sessions", json=wrong_password)
    unknown = client.post("/sessions", json=unknown_address)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["type"] == "/problems/invalid-credentials"


def test_guessing_is_stopped_after_five_attempts(client: httpx.Client) -> None:
    email, other = new_email(), new_email()
    register(client, email)
    register(client, other)
    guess = {"email": email, "password": "wrong guess!"}
    for _ in range(ATTEMPTS):
        assert client.post("/sessions", json=guess).status_code == 401
    # The sixth attempt is refused even with the right password.
    right = {"email": email, "password": RIGHT}
    blocked = client.post("/sessions", json=right)
    assert blocked.status_code == 429
    assert blocked.json()["type"] == "/problems/too-many-attempts"
    assert 1 <= int(blocked.headers["retry-after"]) <= 900
    sign_in(client, other)  # another account is not affected


def test_parallel_guesses_cannot_pass_the_limit(client: httpx.Client) -> None:
    email = new_email()
    register(client, email)
    guess = {"email": email, "password": "wrong guess!"}

    def attempt(_: int) -> int:
        return client.post("/sessions", json=guess).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = sorted(pool.map(attempt, range(12)))
    assert statuses == [401] * ATTEMPTS + [429] * (12 - ATTEMPTS)


def test_the_other_runtime_signs_in_the_same_accounts(
    client: httpx.Client,
    runtime: str,
    example: str,
    server_env: dict[str, str],
) -> None:
    # One Redis, one secret: a hash written by one runtime verifies in the
    # other, and a token one issues the other accepts.
    email = new_email()
    account_id = register(client, email)
    other = next(name for name in RUNTIMES if name != runtime)
    with (
        running_server(other, example, env=server_env) as there,
        httpx.Client(base_url=there.base_url, timeout=10) as elsewhere,
    ):
        theirs = bearer(sign_in(elsewhere, email))
        assert client.get("/me", headers=theirs).json()["id"] == account_id
        mine = bearer(sign_in(client, email))
        assert elsewhere.get("/me", headers=mine).json()["id"] == account_id


# --8<-- [end:tests]
@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"email": "a@example.com", "name": "Ada", "password": "short"}, "/password"),
        ({"email": "a@example.com", "name": "Ada", "password": "x" * 129}, "/password"),
        ({"email": "not-an-address", "name": "Ada", "password": "x" * 12}, "/email"),
        ({"email": "a@example.com", "name": "Ada"}, "/password"),
        ({"email": "a@example.com", "name": "Ada", "password": 12345678901234}, "/password"),
        (
            {"email": "a@example.com", "name": "Ada", "password": "x" * 12, "role": "admin"},
            "/role",
        ),
    ],
)
def test_a_bad_registration_is_a_422(
    client: httpx.Client, body: dict[str, object], pointer: str
) -> None:
    response = client.post("/accounts", json=body)
    assert response.status_code == 422
    assert [error["pointer"] for error in response.json()["errors"]] == [pointer]


def test_an_address_registers_once(client: httpx.Client) -> None:
    email = new_email()
    register(client, email)
    again = client.post("/accounts", json={"email": email, "name": "Eve", "password": "y" * 12})
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/email-taken"


def test_a_bad_sign_in_body_is_a_422(client: httpx.Client) -> None:
    response = client.post("/sessions", json={"email": "a@example.com"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/password"


def test_a_bad_rename_is_a_422(client: httpx.Client) -> None:
    email = new_email()
    account_id = register(client, email)
    token = sign_in(client, email)
    response = client.patch(f"/accounts/{account_id}", json={"name": ""}, headers=bearer(token))
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/accounts", "POST"),
        ("GET", "/sessions", "POST"),
        ("POST", "/me", "GET, HEAD"),
        ("GET", "/accounts/acc_1", "PATCH"),
    ],
)
def test_wrong_method_is_405(client: httpx.Client, method: str, path: str, allow: str) -> None:
    assert_method_not_allowed(client.request(method, path), allow)


def test_healthz(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_few_seconds_of_clock_skew_are_tolerated_and_no_more(
    client: httpx.Client,
) -> None:
    # Issued by an instance whose clock is 2 s ahead: accepted by both.
    account_id = register(client, new_email())
    now = int(time.time())
    ahead = jwt.encode(claims_for(account_id, iat=now + 2), SECRET, "HS256")
    assert client.get("/me", headers=bearer(ahead)).status_code == 200
    # Issued "in a minute": refused by both.
    future = jwt.encode(claims_for(account_id, iat=now + 60), SECRET, "HS256")
    assert_unauthorized(client.get("/me", headers=bearer(future)), "invalid_token")


def test_a_token_followed_by_more_is_refused(client: httpx.Client) -> None:
    email = new_email()
    register(client, email)
    token = sign_in(client, email)
    extra = {"Authorization": f"Bearer {token} extra"}
    assert_unauthorized(client.get("/me", headers=extra), "invalid_token")


def test_a_password_with_an_unpaired_surrogate_is_a_422(client: httpx.Client) -> None:
    body = b'{"email": "a@example.com", "name": "Ada", "password": "\\ud800xxxxxxxxxxxx"}'
    response = client.post("/accounts", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/password"
