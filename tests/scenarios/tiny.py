"""Tiny hand-written benchmark files, one per format, with distances easy to check by hand.

Coordinates use 3-4-5 triangles so that most Euclidean distances are whole numbers.
"""

from __future__ import annotations

from pathlib import Path

SOLOMON = """TINY

VEHICLE
NUMBER     CAPACITY
  2         10

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0        100          0
    1      3          4          2         10         50          5
    2      6          8          3          0         60          5
"""

LILIM = """2\t15\t1
0\t0\t0\t0\t0\t100\t0\t0\t0
1\t3\t4\t5\t0\t50\t2\t0\t2
2\t6\t8\t-5\t10\t80\t3\t1\t0
"""

# One request (0) with pickups on lines 3 and 4 and its delivery on line 5; the id
# column restarts at 0 after the depot line, as in the real files.
MPDPTW = """2 20
0 0 0 0 0 200 0 -1 -1
0 3 4 2 0 100 1 0 0
1 6 8 3 0 100 1 0 0
2 0 5 -5 10 150 2 1 0
"""

# Two depots (ids 4 and 5), three customers, two vehicles per depot.  Depot 4 has
# D = 50, Q = 10; depot 5 has no duration limit (D = 0) and Q = 8.  Customer 3's line
# leaves out the frequency and visit combinations.
CORDEAU = """2 2 3 2
50 10
0 8
 1  0  0 2 4 1 2 1 2
 2 10  0 3 5 1 2 1 2
 3  3  4 0 6
 4 -3 -4 0 0 0 0
 5 13  4 0 0 0 0
"""

# Node 5 sits 2.5 from the depot: TSPLIB rounds that up to 3 (round-half-even gives 2).
VRPLIB = """NAME : tiny-n5-k2
COMMENT : hand-made
TYPE : CVRP
DIMENSION : 5
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1\t0\t0
2\t1\t1
3\t2\t3
4\t3\t4
5\t2.5\t0
DEMAND_SECTION
1\t0
2\t4
3\t5
4\t6
5\t1
DEPOT_SECTION
\t1
\t-1
EOF
"""

TEXTS = {
    "solomon": SOLOMON,
    "lilim": LILIM,
    "mpdptw": MPDPTW,
    "cordeau": CORDEAU,
    "vrplib": VRPLIB,
}
FILE_NAMES = {
    "solomon": "tiny_solomon.txt",
    "lilim": "tiny_lilim.txt",
    "mpdptw": "tiny_mpdptw.txt",
    "cordeau": "tiny_cordeau.txt",
    "vrplib": "tiny-n5-k2.vrp",
}


def write(folder: Path, fmt: str, text: str | None = None) -> Path:
    """Write the tiny file of ``fmt`` (or ``text`` in its place) into ``folder``."""
    path = folder / FILE_NAMES[fmt]
    path.write_text(TEXTS[fmt] if text is None else text, encoding="utf-8")
    return path
