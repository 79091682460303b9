"""A small world for engine tests, order payloads, and store URLs for every backend.

The world sits on a line (see :mod:`tests.dispatch.helpers`): micro-warehouse ``mw1`` at
0 m, shops ``st1`` (300 m) and ``st2`` (600 m), buildings ``b1`` (400 m), ``b2``
(1,000 m) and ``b3`` (9,000 m, out of every pickup point's reach), pickup points
``pp1`` (500 m, leader ``ld1``), ``pp2`` (1,100 m, capacity 2 parcels) and ``pp9``
(closed); members ``m1`` (regular, home ``b1``) and ``m2`` (paid, home ``b2``); two
e-bike couriers, a van for the next morning's trunk run and a technician.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import pytest
import sqlalchemy as sa

from dispatch import Courier, Leader, Member, MemberTier, TimeWindow, World
from dispatch.domain import CommissionTier
from geo.profiles import ProfileName
from tests.dispatch.helpers import LON, H, building, courier, north, point, store, warehouse


def small_world() -> World:
    """The world of the module doc."""
    return World(
        buildings=(building("b1", 400), building("b2", 1000), building("b3", 9000)),
        stores=(store("st1", 300), store("st2", 600)),
        micro_warehouses=(warehouse("mw1", 0),),
        pickup_points=(
            point("pp1", 500, leader_id="ld1"),
            point("pp2", 1100, capacity_parcels=2),
            point("pp9", 450),
        ),
        couriers=(
            courier("c1", 0),
            courier("c2", 0),
            courier(
                "van1",
                0,
                "van",
                shift=TimeWindow(28 * H, 34 * H),  # tomorrow 04:00-10:00: the trunk run
                capacity_kg=500.0,
                capacity_l=2000.0,
                cold_boxes=20,
            ),
            Courier(
                "tech1",
                ProfileName.E_BIKE,
                LON,
                north(0),
                TimeWindow(8 * H, 20 * H),
                skills=frozenset({"cleaning", "plumbing"}),
            ),
        ),
        members=(
            Member("m1", MemberTier.REGULAR, "b1"),
            Member("m2", MemberTier.PAID, "b2"),
        ),
        leaders=(
            Leader(
                "ld1",
                "pp1",
                (
                    CommissionTier(Decimal("0"), Decimal("0.10")),
                    CommissionTier(Decimal("100"), Decimal("0.12")),
                ),
            ),
        ),
        detour_factor=1.0,
        closed_pickup_point_ids=frozenset({"pp9"}),
    )


def instant_payload(order_id: str, *, member: str = "m1", lines: int = 1) -> dict[str, Any]:
    """An instant order from ``mw1`` to ``b1`` with ``lines`` lines, as a payload."""
    return {
        "id": order_id,
        "member_id": member,
        "created_at_s": 9.5 * H,
        "mode": "instant",
        "building_id": "b1",
        "lines": [
            {"store_id": "mw1", "sku": f"sku-{k}", "quantity": k + 1, "unit_price": "12.50"}
            for k in range(lines)
        ],
    }


def next_day_payload(
    order_id: str, *, member: str = "m1", point_id: str | None = "pp1", price: str = "30.00"
) -> dict[str, Any]:
    """A next-day order from ``mw1`` collected at ``point_id``, as a payload."""
    return {
        "id": order_id,
        "member_id": member,
        "created_at_s": 9 * H,
        "mode": "next_day_pickup",
        "pickup_point_id": point_id,
        "building_id": None if point_id else "b1",
        "lines": [{"store_id": "mw1", "sku": "eggs-30", "quantity": 1, "unit_price": price}],
    }


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return candidates[-1].parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("O2O_REQUIRE_POSTGRES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


class PgCluster:
    """A throw-away PostgreSQL cluster on a free localhost port that a test may stop and
    start again (same port, same data).  :meth:`create` skips (or fails under
    ``O2O_REQUIRE_POSTGRES=1``) when the server binaries are missing."""

    def __init__(self, bindir: Path, root: Path, prefix: list[str], port: int) -> None:
        self.bindir, self.root, self.prefix, self.port = bindir, root, prefix, port
        self.data = root / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}"

    @classmethod
    def create(cls) -> PgCluster:
        bindir = _pg_bindir()
        if bindir is None:
            _unavailable("PostgreSQL server binaries (pg_ctl, initdb) are not installed")
        root = Path(tempfile.mkdtemp(prefix="o2o-pg-"))
        prefix: list[str] = []
        if os.geteuid() == 0:
            prefix = ["runuser", "-u", "postgres", "--"]
            shutil.chown(root, "postgres", "postgres")
        cluster = cls(bindir, root, prefix, _free_port())
        try:
            subprocess.run(
                [*prefix, str(bindir / "initdb"), "-D", str(cluster.data), "-U", "postgres",
                 "--auth=trust", "-E", "UTF8", "--no-sync"],
                check=True, capture_output=True,
            )  # fmt: skip
            cluster.start()
        except (subprocess.CalledProcessError, OSError) as error:
            shutil.rmtree(root, ignore_errors=True)
            _unavailable(f"could not start PostgreSQL: {error}")
        return cluster

    def start(self) -> None:
        subprocess.run(
            [*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.data),
             "-l", str(self.root / "log"),
             "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
             "-w", "start"],
            check=True, capture_output=True,
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            [*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode,
             "-w", "stop"],
            check=False, capture_output=True,
        )  # fmt: skip

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throw-away PostgreSQL cluster on a free localhost port; yields its base URL.

    Needs the server binaries (``pg_ctl``, ``initdb``; Debian: ``apt-get install -y
    postgresql``); skips without them, or fails when ``O2O_REQUIRE_POSTGRES=1`` (CI sets
    it).  As root, the cluster runs as ``postgres``.
    """
    cluster = PgCluster.create()
    try:
        yield cluster.url
    finally:
        cluster.destroy()


def fresh_postgres_database(base_url: str) -> str:
    """Create an empty database on the server; returns its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(f"{base_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{base_url}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database URL: a SQLite file, or a database on the throw-away PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'orders.db'}"
    base: str = request.getfixturevalue("postgres_server")
    return fresh_postgres_database(base)
