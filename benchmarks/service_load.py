"""Load on the HTTP service: concurrent clients quoting and submitting over loopback.

Run with ``python -m benchmarks.service_load`` (a report command, not part of ``./run
test``).  It starts ``dispatch serve`` in its own process on 127.0.0.1 (a free port, a
fresh SQLite file, the demo city, tokens made for the run), then ``--clients`` threads
each loop for ``--duration-s`` seconds: quote a basket (``POST /quotes``), submit an
order (``POST /orders``).  Bounded in time and count, loopback only.  Reports
requests per second, quote and submit latency p50/p99 over HTTP, errors (any answer
that is not 2xx, or no answer), and whether every acknowledged order (201) is in the
store afterwards.  ``--out`` writes the report as JSON; exit code 0 when there were no
errors and no acknowledged order is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from dispatch.store import SqlStore
from scenarios.demo import demo_scenario
from scenarios.scenario_build import build_scenario
from scenarios.scenario_file import save_scenario

MAX_REQUESTS_PER_CLIENT = 1_000_000  # a hard stop besides the clock


@dataclass
class ClientLog:
    """What one client saw."""

    quote_s: list[float] = field(default_factory=list)
    submit_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _client(
    k: int,
    base: str,
    *,
    token: str,
    homes: Sequence[tuple[str, str]],
    warehouse: str,
    stop_at: float,
    log: ClientLog,
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        for n in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() >= stop_at:
                return
            member, building = homes[(k * 7919 + n) % len(homes)]
            line = {"store_id": warehouse, "sku": "milk-1l", "quantity": 1 + n % 3,
                    "unit_price": "12.90"}  # fmt: skip
            quote = {"destination": building, "member_id": member, "basket": [line],
                     "at_s": 36000}  # fmt: skip
            order = {"id": f"load-{k}-{n}", "member_id": member, "created_at_s": 36000,
                     "mode": "instant", "building_id": building, "lines": [line]}  # fmt: skip
            for kind, path, body in (("quote", "/quotes", quote), ("submit", "/orders", order)):
                started = time.perf_counter()
                try:
                    response = http.post(path, json=body)
                except httpx.HTTPError as error:
                    log.errors.append(f"{kind}: {type(error).__name__}")
                    continue
                elapsed = time.perf_counter() - started
                if not response.is_success:
                    log.errors.append(f"{kind}: HTTP {response.status_code} {response.text[:200]}")
                    continue
                if kind == "quote":
                    log.quote_s.append(elapsed)
                else:
                    log.submit_s.append(elapsed)
                    if response.status_code == 201:
                        log.acknowledged.append(str(order["id"]))


def _guarded_client(k: int, base: str, **kwargs: Any) -> None:
    """A client whose crash is counted as an error, not lost in a thread."""
    try:
        _client(k, base, **kwargs)
    except Exception as error:  # any crash is a reported error
        kwargs["log"].errors.append(f"client {k} crashed: {error!r}")


def _percentiles_ms(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p99": None}
    arr = np.array(values) * 1000
    return {
        "p50": round(float(np.percentile(arr, 50)), 2),
        "p99": round(float(np.percentile(arr, 99)), 2),
    }


def run(
    clients: int, duration_s: float, seed: int, blocks: int, db: str | None = None
) -> dict[str, Any]:
    """Start the server, run the clients, check the store; the report.

    ``db`` is the server's store URL (default a fresh SQLite file); orders of earlier
    runs in it are counted in ``orders_in_store`` but not in the check, which is by id."""
    # The demo city without its stock table: the load measures the service, and a
    # counted micro-warehouse would refuse the clients' orders once its shelf is empty.
    spec = demo_scenario(seed=seed, blocks=blocks).model_copy(update={"stock": None})
    world = build_scenario(spec).world
    homes = [(m.id, m.home_building_id) for m in world.members if m.home_building_id]
    warehouse = world.micro_warehouses[0].id
    token = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="o2o-load-") as tmp:
        tokens = Path(tmp) / "tokens.json"
        scenario = Path(tmp) / "city.json"
        save_scenario(spec, scenario)
        tokens.write_text(json.dumps({token: "order-service"}), encoding="utf-8")
        os.chmod(tokens, 0o600)
        url = db or f"sqlite:///{Path(tmp) / 'orders.db'}"
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-c", "from cli import app; app()", "serve",
             "--host", "127.0.0.1", "--port", str(port), "--db", url, "--tokens", str(tokens),
             "--scenario", str(scenario)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while True:
                if server.poll() is not None or time.monotonic() > deadline:
                    err = server.stderr.read().decode() if server.stderr else ""
                    raise RuntimeError(f"the server did not start: {err[-2000:]}")
                try:
                    if httpx.get(f"{base}/health", timeout=2).is_success:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            logs = [ClientLog() for _ in range(clients)]
            load_before = os.getloadavg()
            started = time.monotonic()
            stop_at = started + duration_s
            threads = [
                threading.Thread(
                    target=_guarded_client,
                    args=(k, base),
                    kwargs={
                        "token": token,
                        "homes": homes,
                        "warehouse": warehouse,
                        "stop_at": stop_at,
                        "log": logs[k],
                    },
                )
                for k in range(clients)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - started
            load_after = os.getloadavg()
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        store = SqlStore.open(url)
        try:
            acknowledged = [oid for log in logs for oid in log.acknowledged]
            missing = [oid for oid in acknowledged if store.order(oid) is None]
            stored = store.count_orders()
            incomplete = store.incomplete_orders()
        finally:
            store.close()
    quotes = [x for log in logs for x in log.quote_s]
    submits = [x for log in logs for x in log.submit_s]
    errors = [e for log in logs for e in log.errors]
    requests = len(quotes) + len(submits) + len(errors)
    return {
        "store": url.split(":", 1)[0],
        "clients": clients,
        "duration_s": round(elapsed, 2),
        "requests": requests,
        "requests_per_s": round(requests / elapsed, 1),
        "quotes": len(quotes),
        "quote_ms": _percentiles_ms(quotes),
        "submits": len(submits),
        "submit_ms": _percentiles_ms(submits),
        "errors": len(errors),
        "error_samples": errors[:5],
        "acknowledged_orders": len(acknowledged),
        "missing_from_store": len(missing),
        "orders_in_store": stored,
        "incomplete_orders": len(incomplete),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the load, print the report; 0 when no errors and nothing acknowledged is lost."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.service_load")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration-s", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--blocks", type=int, default=10)
    parser.add_argument("--db", default=None, help="store URL (default: a fresh SQLite file)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if not (1 <= args.clients <= 64 and 0 < args.duration_s <= 600):
        parser.error("--clients must be 1..64 and --duration-s in (0, 600]")
    report = run(args.clients, args.duration_s, args.seed, args.blocks, args.db)
    text = json.dumps(report, indent=1)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0 if report["errors"] == 0 and report["missing_from_store"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
