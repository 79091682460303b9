"""Demand forecasts from hourly counts with statsforecast: methods compared by MASE.

Pure modelling, keys in and keys out; :mod:`dispatch.planning.demand` builds the hourly
series from an order history.  :func:`forecast_counts`:

1. holds back the final ``holdout_h`` hours (a week by default), fits every method of
   :data:`METHODS` on the rest and scores its forecast of the held-back hours by MASE
   (mean absolute error over the in-sample mean absolute error of the weekly seasonal
   naive forecast, per series, then averaged over the series whose scale is not 0);
2. keeps the method with the lowest mean MASE, refits it on the whole history and
   forecasts ``horizon_h`` hours.

The methods (statsforecast): ``seasonal_naive`` (the same hour a week before, the
baseline), ``mstl`` (daily and weekly seasonal components, AutoETS trend) and
``auto_ets`` (ETS with daily seasonality).  Forecasts are clipped at 0 (counts).
statsforecast compiles its models with numba on first use (seconds, once per process;
set ``NIXTLA_NUMBA_CACHE=1`` to keep the compiled code on disk).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from solvers.errors import InvalidInputError

#: Hours of a day and of a week: the seasonal periods of hourly demand.
DAY_H = 24
WEEK_H = 168
#: The methods compared, in the order reported.
METHODS: tuple[str, ...] = ("seasonal_naive", "mstl", "auto_ets")
BASELINE = "seasonal_naive"


@dataclass(frozen=True)
class ForecastResult:
    """The chosen method, every method's MASE on the held-back hours, and the forecast.

    Attributes:
        method: the method with the lowest mean MASE (kept for the forecast).
        mase: method -> mean MASE over the scored series (lower is better; 1 is as good
            as the in-sample weekly seasonal naive).
        scored_series: how many series had a non-zero MASE scale.
        forecast: key -> forecast of each of the ``horizon_h`` hours after the history.
    """

    method: str
    mase: Mapping[str, float]
    scored_series: int
    forecast: Mapping[str, npt.NDArray[np.float64]]


def _models(methods: Sequence[str]) -> list[Any]:
    # Imported here: statsforecast (and numba) load only when a forecast runs.
    from statsforecast.models import MSTL, AutoETS, SeasonalNaive  # noqa: PLC0415

    made: dict[str, Any] = {
        "seasonal_naive": lambda: SeasonalNaive(season_length=WEEK_H, alias="seasonal_naive"),
        "mstl": lambda: MSTL(season_length=[DAY_H, WEEK_H], alias="mstl"),
        "auto_ets": lambda: AutoETS(season_length=DAY_H, alias="auto_ets"),
    }
    return [made[m]() for m in methods]


def _fit_predict(
    series: Mapping[str, npt.NDArray[np.float64]], methods: Sequence[str], horizon_h: int
) -> dict[str, dict[str, npt.NDArray[np.float64]]]:
    import pandas as pd  # noqa: PLC0415  (heavy imports, only needed here)
    from statsforecast import StatsForecast  # noqa: PLC0415

    keys = list(series)
    length = len(next(iter(series.values())))
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(keys, length),
            "ds": np.tile(np.arange(length, dtype=np.int64), len(keys)),
            "y": np.concatenate([series[k] for k in keys]).astype(np.float64),
        }
    )
    sf = StatsForecast(models=_models(methods), freq=1, n_jobs=1)
    predicted = sf.forecast(df=frame, h=horizon_h)
    if "unique_id" not in predicted.columns:
        predicted = predicted.reset_index()
    out: dict[str, dict[str, npt.NDArray[np.float64]]] = {m: {} for m in methods}
    for key, part in predicted.groupby("unique_id", sort=False):
        ordered = part.sort_values("ds")
        for m in methods:
            out[m][str(key)] = np.clip(ordered[m].to_numpy(dtype=np.float64), 0.0, None)
    return out


def mase(
    actual: npt.ArrayLike, predicted: npt.ArrayLike, train: npt.ArrayLike, season: int = WEEK_H
) -> float | None:
    """Mean absolute scaled error: the forecast's mean absolute error over the in-sample
    mean absolute error of the seasonal naive forecast with this ``season``; None when
    that scale is 0 (a series with no change from one season to the next)."""
    y = np.asarray(actual, dtype=np.float64)
    f = np.asarray(predicted, dtype=np.float64)
    t = np.asarray(train, dtype=np.float64)
    if t.size <= season:
        return None
    scale = float(np.mean(np.abs(t[season:] - t[:-season])))
    if scale <= 0:
        return None
    return float(np.mean(np.abs(y - f))) / scale


def forecast_counts(
    series: Mapping[str, npt.ArrayLike],
    *,
    horizon_h: int,
    holdout_h: int = WEEK_H,
    methods: Sequence[str] = METHODS,
) -> ForecastResult:
    """Compare the methods on the held-back hours, keep the best, forecast the horizon.

    Args:
        series: key -> hourly counts, every series the same length and hourly from
            the same start.
        horizon_h: hours to forecast after the history (>= 1).
        holdout_h: final hours held back for scoring (>= 1).
        methods: names from :data:`METHODS`.

    Raises:
        InvalidInputError: no series, series of different lengths, negative or
            non-finite counts, an unknown method, or a history shorter than two weeks
            plus the held-back hours (the weekly methods need two seasons to fit).
    """
    if not series:
        raise InvalidInputError("series", "must not be empty")
    for m in methods:
        if m not in METHODS:
            raise InvalidInputError("methods", f"unknown method {m!r}; known: {', '.join(METHODS)}")
    if not methods:
        raise InvalidInputError("methods", "must not be empty")
    for name, value in (("horizon_h", horizon_h), ("holdout_h", holdout_h)):
        if not isinstance(value, int) or value < 1:
            raise InvalidInputError(name, f"must be an integer >= 1, got {value!r}")
    arrays = {str(k): np.asarray(v, dtype=np.float64) for k, v in series.items()}
    lengths = {a.size for a in arrays.values()}
    if len(lengths) != 1:
        raise InvalidInputError("series", "must all have the same length")
    length = lengths.pop()
    if length < 2 * WEEK_H + holdout_h:
        raise InvalidInputError(
            "series",
            f"must cover at least {2 * WEEK_H + holdout_h} hours (two weeks to fit and the "
            f"held-back hours), got {length}",
        )
    for k, a in arrays.items():
        if not (np.all(np.isfinite(a)) and np.all(a >= 0)):
            raise InvalidInputError(f"series[{k!r}]", "counts must be finite and >= 0")
    train = {k: a[:-holdout_h] for k, a in arrays.items()}
    held = _fit_predict(train, methods, holdout_h)
    scores: dict[str, float] = {}
    scored = 0
    for m in methods:
        values = [
            s
            for k, a in arrays.items()
            if (s := mase(a[-holdout_h:], held[m][k], train[k])) is not None
        ]
        scored = len(values)
        scores[m] = float(np.mean(values)) if values else math.inf
    best = min(methods, key=lambda m: (scores[m], methods.index(m)))
    final = _fit_predict(arrays, [best], horizon_h)[best]
    return ForecastResult(best, scores, scored, final)
