"""Limits every answer obeys: body size 413, write rate 429 + Retry-After, CORS closed by
default, security headers everywhere (even on a 413)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.middleware import TokenBuckets


@pytest.fixture
def client_for(prepared, fake_source):  # noqa: F811
    settings, keys = prepared
    clients = []

    def make(**limits):
        client = TestClient(
            create_app(settings.model_copy(update=limits), model_source=fake_source)
        )
        clients.append(client.__enter__())
        return client, keys

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def test_a_body_over_the_limit_is_413_before_it_is_read(client_for):
    client, keys = client_for(max_body_bytes=10_000)
    body = {"profile": {"kbli": ["10792"], "products": "x" * 20_000, "province": "Jatim"}}
    resp = client.post("/match", json=body, headers={"X-API-Key": keys["admin"]})
    assert resp.status_code == 413 and "10.000 bita" in resp.json()["detail"]
    assert resp.headers["x-content-type-options"] == "nosniff"

    def chunks():  # no Content-Length: counted while streaming
        yield b'{"profile": {"products": "'
        for _ in range(30):
            yield b"x" * 1000
        yield b'"}}'

    resp = client.post(
        "/match",
        content=chunks(),
        headers={"X-API-Key": keys["admin"], "content-type": "application/json"},
    )
    assert resp.status_code == 413


def test_writes_beyond_the_rate_are_429_with_retry_after_per_key(client_for):
    client, keys = client_for(write_rate_per_minute=6, write_burst=2)
    body = {"umkm_id": "U1", "firm_id": "F1", "stage": "meeting", "date": "2025-01-02"}
    codes = [
        client.post("/outcomes", json=body, headers={"X-API-Key": keys["admin"]}).status_code
        for _ in range(3)
    ]
    assert codes[2] == 429 and all(
        c in (200, 201) for c in codes[:2]
    )  # a repeat is 200 (idempotent)
    resp = client.post("/outcomes", json=body, headers={"X-API-Key": keys["admin"]})
    assert resp.status_code == 429 and int(resp.headers["retry-after"]) >= 1
    # another key has its own bucket, and reads are not metered
    assert client.post(
        "/outcomes", json=body, headers={"X-API-Key": keys["jatim"]}
    ).status_code in (200, 201)
    assert client.get("/umkm", headers={"X-API-Key": keys["admin"]}).status_code == 200


def test_token_bucket_refills_at_its_rate():
    now = [0.0]
    buckets = TokenBuckets(per_minute=60, burst=1, clock=lambda: now[0])
    assert buckets.take("a") == 0 and buckets.take("a") == pytest.approx(1.0)
    now[0] = 1.0
    assert buckets.take("a") == 0


def test_cors_is_closed_by_default_and_opens_only_for_listed_origins(client_for):
    client, _ = client_for()
    pre = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    resp = client.options("/outcomes", headers=pre)
    assert "access-control-allow-origin" not in resp.headers
    client, _ = client_for(cors_origins=["https://dinas.example"])
    resp = client.options("/outcomes", headers={**pre, "Origin": "https://dinas.example"})
    assert resp.headers["access-control-allow-origin"] == "https://dinas.example"
    resp = client.options("/outcomes", headers=pre)
    assert "access-control-allow-origin" not in resp.headers


def test_security_headers_on_every_answer(client_for):
    client, _ = client_for()
    for resp in (client.get("/health"), client.get("/umkm"), client.get("/nowhere")):
        assert resp.headers["x-frame-options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in resp.headers["content-security-policy"]
        assert resp.headers["referrer-policy"] == "same-origin"


def test_several_server_processes_share_the_write_limits_instead_of_multiplying_them():
    from api.middleware import write_buckets
    from api.settings import Settings

    one = write_buckets(Settings(write_rate_per_minute=300, write_burst=60))
    four = write_buckets(Settings(write_rate_per_minute=300, write_burst=60, processes=4))
    assert (one.rate, one.burst) == (pytest.approx(5.0), 60)
    assert (four.rate, four.burst) == (pytest.approx(1.25), 15)  # 4 x 15 = the 60 configured
    odd = write_buckets(Settings(write_rate_per_minute=10, write_burst=1, processes=3))
    assert odd.burst == 1  # never less than one write at once


def test_matcher_serve_workers_tells_each_process_how_many_share_the_port(monkeypatch, tmp_path):
    """`matcher serve --workers N` passes N to the processes it starts (MATCHER_PROCESSES)."""
    import uvicorn.supervisors

    from matcher.cli import main

    seen = {}

    class Stop(Exception):
        pass

    def fake_multiprocess(config, *args, **kwargs):
        import os

        seen["processes"] = os.environ.get("MATCHER_PROCESSES")
        raise Stop

    monkeypatch.setattr(uvicorn.supervisors, "Multiprocess", fake_multiprocess)
    import os

    saved = dict(os.environ)  # serve sets MATCHER_* for the processes it starts
    try:
        os.environ.pop("MATCHER_PROCESSES", None)
        assert main(["init", "--home", str(tmp_path)]) in (0, None)
        with pytest.raises(Stop):
            main(["serve", "--home", str(tmp_path), "--workers", "3", "--port", "0"])
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert seen["processes"] == "3"


def test_serve_with_no_workers_is_a_one_line_error_exit_2(tmp_path, capsys):
    from matcher.cli import main

    assert main(["serve", "--home", str(tmp_path), "--workers", "0"]) == 2
    assert "--workers: seharusnya 1 atau lebih, tertulis 0" in capsys.readouterr().err
