"""Password hashing with scrypt, from the standard library.

A stored hash names its own parameters, `scrypt$ln=17,r=8,p=1$salt$hash`, so a
hash made with other settings still verifies; the Node twin writes and reads
the same format, byte for byte.
"""

# --8<-- [start:passwords]
import asyncio
import base64
import hashlib
import hmac
import secrets
import threading

# OWASP's minimum for scrypt: N = 2^17, r = 8, p = 1 (128 MiB per hash).
R, P, KEY_BYTES = 8, 1, 32
# At most four hashes at once, 512 MiB: as many as Node's libuv thread pool
# runs. A burst of sign-ins waits here instead of exhausting memory.
HASHING = threading.BoundedSemaphore(4)


def _scrypt(password: str, salt: bytes, log_n: int, r: int, p: int) -> bytes:
    memory = 128 * r * (2**log_n)  # bytes scrypt needs, per its RFC
    with HASHING:
        return hashlib.scrypt(
            password.encode(),
            salt=salt,
            n=2**log_n,
            r=r,
            p=p,
            maxmem=2 * memory,  # the default, 32 MiB, is too small for 2^17
            dklen=KEY_BYTES,
        )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def hash_password(password: str, log_n: int) -> str:
    salt = secrets.token_bytes(16)
    # hashlib releases the GIL while it hashes: in a thread, the event loop
    # keeps serving other requests for the hash's whole second.
    key = await asyncio.to_thread(_scrypt, password, salt, log_n, R, P)
    return f"scrypt$ln={log_n},r={R},p={P}${_b64(salt)}${_b64(key)}"


async def verify_password(password: str, stored: str) -> bool:
    _, params, salt, expected = stored.split("$")
    cost = dict(item.split("=") for item in params.split(","))
    key = await asyncio.to_thread(
        _scrypt,
        password,
        base64.b64decode(salt),
        int(cost["ln"]),
        int(cost["r"]),
        int(cost["p"]),
    )
    # Compares every byte whatever the first difference: no timing signal.
    return hmac.compare_digest(key, base64.b64decode(expected))


# --8<-- [end:passwords]
