"""Shared fixtures for the auth tests: anyio on asyncio and a real MIT KDC."""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def anyio_backend() -> str:
    """grpclib needs asyncio; every async test here runs on it."""
    return "asyncio"


def _start_realm(k5test: Any) -> Any:
    """A realm on 127.0.0.1 with a random port; retries when the port is taken."""
    error: Exception | None = None
    for _ in range(3):
        try:
            return k5test.K5Realm(
                realm="ARMADA.TEST",
                portbase=random.randrange(20000, 60000, 10),
                krb5_conf={
                    "libdefaults": {"dns_canonicalize_hostname": "false", "rdns": "false"},
                    "realms": {"$realm": {"kdc": "127.0.0.1:$port0"}},
                },
                create_host=False,
            )
        except Exception as exc:  # k5test raises plain Exception when krb5kdc fails
            error = exc
    raise RuntimeError(f"could not start a test KDC: {error}")


@pytest.fixture(scope="session")
def krb_realm() -> Iterator[Any]:
    """An MIT KDC for the session with `HTTP/localhost` and `HTTP/otherhost` in one keytab.

    Exposes `realm.http_keytab`; the process environment points MIT Kerberos at the
    realm (and is restored afterwards). Skips when the KDC or the modules are absent.
    """
    if not shutil.which("krb5kdc") and not os.path.exists("/usr/sbin/krb5kdc"):
        pytest.skip("MIT KDC (krb5kdc, Debian package krb5-kdc) not installed")
    k5test = pytest.importorskip("k5test", reason="k5test not installed")
    pytest.importorskip("krb5", reason="krb5 (pyspnego[kerberos]) not installed")
    pytest.importorskip("gssapi", reason="gssapi (pyspnego[kerberos]) not installed")
    realm = _start_realm(k5test)
    saved = {k: os.environ.get(k) for k in [*realm.env, "KRB5_KTNAME"]}
    try:
        realm.http_keytab = os.path.join(realm.tmpdir, "http.keytab")
        for host in ("localhost", "otherhost"):
            spn = f"HTTP/{host}@{realm.realm}"
            realm.addprinc(spn)
            realm.extract_keytab(spn, realm.http_keytab)
        realm.addprinc(f"bob@{realm.realm}", "bobpw")
        os.environ.update(realm.env)
        os.environ["KRB5_KTNAME"] = "FILE:" + realm.http_keytab
        yield realm
    finally:
        realm.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
