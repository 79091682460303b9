"""The HTTP service's configuration: bearer tokens and their roles, limits, budgets.

This is an I/O module (it reads the tokens file).  Tokens never live in the repository:
``dispatch serve --tokens FILE`` names a JSON object mapping each token to its role.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from solvers.errors import InvalidInputError

DEFAULT_MAX_BODY_BYTES = 1_000_000
DEFAULT_MAX_ORDERS = 2_000
MIN_TOKEN_CHARS = 16


class Role(StrEnum):
    """What a token may do.

    ``order-service``: quotes, submit, cancel and order status.  ``operator``: plans
    (make, re-plan, read, view) and the VROOM endpoint.
    """

    ORDER_SERVICE = "order-service"
    OPERATOR = "operator"


@dataclass(frozen=True)
class ServiceConfig:
    """How the service runs.

    Attributes:
        tokens: bearer token -> role.
        max_body_bytes: larger request bodies are refused with 413 before they are read
            whole.
        max_orders: plans, re-plans and VROOM problems with more orders (jobs plus
            shipments) are refused with 413 before any work.
        default_time_limit_s: a plan's budget when the request gives none.
        max_time_limit_s: the largest budget a request may ask for.
        sync_grace_s: how long past its budget a synchronous plan request waits for the
            plan before answering 202 with the job to poll.
        plan_workers: plans computed at once (background threads).
        jobs_kept: finished plan jobs remembered for polling (oldest forgotten first;
            their plans stay in the store).
    """

    tokens: Mapping[str, Role] = field(default_factory=dict)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_orders: int = DEFAULT_MAX_ORDERS
    default_time_limit_s: float = 2.0
    max_time_limit_s: float = 300.0
    sync_grace_s: float = 30.0
    plan_workers: int = 1
    jobs_kept: int = 1000

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_orders", "plan_workers", "jobs_kept"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 1):
                raise InvalidInputError(
                    f"ServiceConfig.{name}", f"must be an integer >= 1, got {value!r}"
                )
        for name in ("default_time_limit_s", "max_time_limit_s", "sync_grace_s"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise InvalidInputError(
                    f"ServiceConfig.{name}", f"must be a number > 0, got {value!r}"
                )
        if self.default_time_limit_s > self.max_time_limit_s:
            raise InvalidInputError(
                "ServiceConfig.default_time_limit_s", "must be <= max_time_limit_s"
            )
        object.__setattr__(self, "tokens", dict(self.tokens))


def parse_tokens(data: object, source: str = "tokens") -> dict[str, Role]:
    """Tokens from a JSON object ``{"<token>": "operator" | "order-service"}``.

    Raises:
        InvalidInputError: not an object, a token shorter than 16 characters, or an
            unknown role (the message names the token by its position, never its text).
    """
    if not isinstance(data, dict) or not data:
        raise InvalidInputError(source, "must be a non-empty JSON object mapping token -> role")
    out: dict[str, Role] = {}
    roles = ", ".join(r.value for r in Role)
    for k, (token, role) in enumerate(data.items()):
        if not isinstance(token, str) or len(token) < MIN_TOKEN_CHARS or token.strip() != token:
            raise InvalidInputError(
                f"{source}: token #{k + 1}",
                f"must be a string of at least {MIN_TOKEN_CHARS} characters, no spaces around it",
            )
        try:
            out[token] = Role(role)
        except ValueError:
            raise InvalidInputError(
                f"{source}: token #{k + 1}", f"role must be one of {roles}, got {role!r}"
            ) from None
    return out


def load_tokens(path: Path) -> dict[str, Role]:
    """Read a tokens file (see :func:`parse_tokens`).

    Raises:
        InvalidInputError: unreadable, not JSON, or a bad token or role.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidInputError(str(path), f"must be a readable file ({error.strerror})") from None
    except ValueError as error:
        raise InvalidInputError(str(path), f"must be JSON ({error})") from None
    return parse_tokens(data, str(path))
