"""On-disk cache of road travel matrices (an I/O module).

One ``.npz`` file per matrix, named by a SHA-256 key over the format version, the
routable graph's fingerprint (network content and profile), the profile name,
``max_snap_m`` and the exact float64 bytes of the origin and destination coordinates.
Point ids do not enter the key: they only label error messages.  Writes are atomic (a
temporary file in the same directory, then :func:`os.replace`); a file that cannot be
read back as a valid matrix of the expected shape is ignored, recomputed and rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from geo.errors import InvalidInputError
from geo.matrix import TravelMatrix, road_matrix
from geo.network import DEFAULT_MAX_SNAP_M, RoutableGraph
from geo.profiles import ProfileName
from geo.validation import FloatArray, destination_arrays, point_arrays, require_positive

CACHE_FORMAT_VERSION = 1


@dataclass(frozen=True)
class MatrixCache:
    """A directory of cached matrices; created on the first write.

    Attributes:
        directory: where the ``.npz`` files live.
    """

    directory: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "directory", Path(self.directory))

    def key(
        self,
        graph: RoutableGraph,
        origins_lon: FloatArray,
        origins_lat: FloatArray,
        dest_lon: FloatArray,
        dest_lat: FloatArray,
        *,
        max_snap_m: float,
    ) -> str:
        """The hex SHA-256 naming one matrix (coordinates as validated float64 arrays)."""
        h = hashlib.sha256()
        h.update(f"geo.matrix_cache/{CACHE_FORMAT_VERSION}\x00".encode())
        h.update(f"{graph.fingerprint}\x00{graph.profile.name!s}\x00".encode())
        h.update(np.float64(max_snap_m).tobytes())
        for arr in (origins_lon, origins_lat, dest_lon, dest_lat):
            a = np.ascontiguousarray(arr, dtype=np.float64)
            h.update(np.int64(a.size).tobytes())
            h.update(a.tobytes())
        return h.hexdigest()

    def path(self, key: str) -> Path:
        """The file holding the matrix of ``key``."""
        return self.directory / f"{key}.npz"

    def load(self, key: str, shape: tuple[int, int]) -> TravelMatrix | None:
        """The cached matrix, or None when absent, unreadable, corrupt or of another shape."""
        file = self.path(key)
        if not file.is_file():
            return None
        try:
            with np.load(file, allow_pickle=False) as data:
                if str(data["key"]) != key:
                    return None
                distance = np.array(data["distance_m"], dtype=np.float64)
                duration = np.array(data["duration_s"], dtype=np.float64)
                profile = str(data["profile"])
            if distance.shape != shape:
                return None
            return TravelMatrix(distance, duration, ProfileName(profile))
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return None  # InvalidInputError is a ValueError: an invalid stored matrix

    def store(self, key: str, matrix: TravelMatrix) -> None:
        """Write atomically: a temporary file in the directory, then ``os.replace``.

        Raises:
            InvalidInputError: the directory cannot be created or written.
        """
        tmp: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{key}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                np.savez(
                    f,
                    key=np.array(key),
                    profile=np.array(str(matrix.profile)),
                    distance_m=matrix.distance_m,
                    duration_s=matrix.duration_s,
                )
            os.replace(tmp, self.path(key))
            tmp = None
        except OSError as exc:
            raise InvalidInputError(
                f"matrix cache directory {str(self.directory)!r}",
                f"must be a writable directory ({type(exc).__name__}: {exc})",
            ) from None
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def road_matrix_cached(
    graph: RoutableGraph,
    origins_lon: npt.ArrayLike,
    origins_lat: npt.ArrayLike,
    dest_lon: npt.ArrayLike | None = None,
    dest_lat: npt.ArrayLike | None = None,
    *,
    cache: MatrixCache | None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    origin_ids: Sequence[str] | None = None,
    destination_ids: Sequence[str] | None = None,
    workers: int = 1,
) -> TravelMatrix:
    """:func:`geo.matrix.road_matrix` through ``cache`` (None: no cache).

    A hit returns the stored arrays without snapping or routing; a miss computes, then
    stores.  Arguments, units and errors are those of :func:`geo.matrix.road_matrix`.

    Raises:
        InvalidInputError: as road_matrix, and when the cache directory is not writable.
        UnreachablePointError: as road_matrix.
    """
    if cache is None:
        return road_matrix(
            graph,
            origins_lon,
            origins_lat,
            dest_lon,
            dest_lat,
            max_snap_m=max_snap_m,
            origin_ids=origin_ids,
            destination_ids=destination_ids,
            workers=workers,
        )
    o_lon, o_lat = point_arrays("origins", origins_lon, origins_lat)
    d_lon, d_lat = destination_arrays(o_lon, o_lat, dest_lon, dest_lat)
    require_positive("max_snap_m", max_snap_m)
    key = cache.key(graph, o_lon, o_lat, d_lon, d_lat, max_snap_m=max_snap_m)
    hit = cache.load(key, (o_lon.size, d_lon.size))
    if hit is not None and hit.profile == graph.profile.name:
        return hit
    matrix = road_matrix(
        graph,
        o_lon,
        o_lat,
        None if dest_lon is None and dest_lat is None else d_lon,
        None if dest_lon is None and dest_lat is None else d_lat,
        max_snap_m=max_snap_m,
        origin_ids=origin_ids,
        destination_ids=destination_ids,
        workers=workers,
    )
    cache.store(key, matrix)
    return matrix
