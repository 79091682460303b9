"""Planning files on disk: order histories and forecasts (CSV), candidate sites (JSON).

This is an I/O module: it reads and writes files.

* history CSV: ``order_id,created_at,building_id,warehouse_id,mode`` with ``created_at``
  ISO 8601 local time (no zone), ``mode`` a :class:`dispatch.domain.FulfilmentMode`;
* forecast CSV: ``key,period_start,forecast`` with ``period_start`` ISO 8601;
* candidates JSON: see :func:`scenarios.design_scenario.candidates_from_json`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

from dispatch.domain import FulfilmentMode
from dispatch.planning.demand import HistoryOrder
from dispatch.planning.network_design import CandidateSite
from scenarios.design_scenario import candidates_from_json
from solvers.errors import InvalidInputError

HISTORY_COLUMNS = ("order_id", "created_at", "building_id", "warehouse_id", "mode")
FORECAST_COLUMNS = ("key", "period_start", "forecast")


def _read_rows(path: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    field = f"{str(path)!r}"
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or tuple(reader.fieldnames) != tuple(columns):
                raise InvalidInputError(
                    field, f"must be a CSV file with the columns {','.join(columns)}"
                )
            return list(reader)
    except FileNotFoundError:
        raise InvalidInputError(field, "must be an existing file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InvalidInputError(field, f"must be a readable UTF-8 CSV file ({error})") from None


def _write_rows(path: Path, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(rows)
    except OSError as error:
        raise InvalidInputError(
            f"{str(path)!r}", f"must be a writable file ({error.strerror or error})"
        ) from None


def _time(value: str, where: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(where, f"must be an ISO 8601 time, got {value!r}") from None
    return parsed.replace(tzinfo=None)


def read_history(path: str | Path) -> list[HistoryOrder]:
    """Read a history CSV (see the module doc).

    Raises:
        InvalidInputError: a missing or unreadable file, other columns, a bad time or
            mode, an empty id (each named with its line).
    """
    p = Path(path)
    out = []
    modes = {m.value: m for m in FulfilmentMode}
    for i, row in enumerate(_read_rows(p, HISTORY_COLUMNS), start=2):
        where = f"{str(p)!r} line {i}"
        mode = modes.get(row["mode"])
        if mode is None:
            raise InvalidInputError(
                f"{where}: mode", f"must be one of {', '.join(modes)}, got {row['mode']!r}"
            )
        for name in ("order_id", "building_id", "warehouse_id"):
            if not row[name]:
                raise InvalidInputError(f"{where}: {name}", "must not be empty")
        out.append(
            HistoryOrder(
                row["order_id"],
                _time(row["created_at"], f"{where}: created_at"),
                row["building_id"],
                row["warehouse_id"],
                mode,
            )
        )
    return out


def write_history(path: str | Path, orders: Sequence[HistoryOrder]) -> None:
    """Write a history CSV (see the module doc)."""
    _write_rows(
        Path(path),
        HISTORY_COLUMNS,
        [
            (
                o.order_id,
                o.created_at.isoformat(timespec="minutes"),
                o.building_id,
                o.warehouse_id,
                o.mode.value,
            )
            for o in orders
        ],
    )


def write_forecast(path: str | Path, rows: Sequence[tuple[str, dt.datetime, float]]) -> None:
    """Write a forecast CSV (see the module doc); forecasts to 4 decimals."""
    _write_rows(
        Path(path),
        FORECAST_COLUMNS,
        [(k, t.isoformat(timespec="minutes"), f"{v:.4f}") for k, t, v in rows],
    )


def read_forecast(path: str | Path) -> list[tuple[str, dt.datetime, float]]:
    """Read a forecast CSV (see the module doc).

    Raises:
        InvalidInputError: a missing or unreadable file, other columns, a bad time or a
            forecast that is not a finite number >= 0.
    """
    p = Path(path)
    out = []
    for i, row in enumerate(_read_rows(p, FORECAST_COLUMNS), start=2):
        where = f"{str(p)!r} line {i}"
        try:
            value = float(row["forecast"])
        except ValueError:
            value = -1.0
        if not (value >= 0 and value != float("inf")):
            raise InvalidInputError(
                f"{where}: forecast", f"must be a number >= 0, got {row['forecast']!r}"
            )
        out.append((row["key"], _time(row["period_start"], f"{where}: period_start"), value))
    return out


def read_candidates(path: str | Path) -> tuple[CandidateSite, ...]:
    """Read a candidates JSON file (:func:`candidates_from_json`).

    Raises:
        InvalidInputError: a missing or unreadable file, not JSON, or a bad candidate.
    """
    p = Path(path)
    field = f"candidates {str(p)!r}"
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(field, "must be an existing file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInputError(field, f"must be a readable UTF-8 file ({error})") from None
    except json.JSONDecodeError as error:
        raise InvalidInputError(field, f"must be JSON ({error.msg}, line {error.lineno})") from None
    return candidates_from_json(data, source=field)
