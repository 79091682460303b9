"""The contraction algorithm behind :func:`geo.matrix.road_matrix`: network metres between
snapped points by Dijkstra on a routable graph with its shape points folded away.

Once per routable graph, nodes that only continue a street (shape points: one way in and
one other way out, or exactly two neighbours both ways) are folded into chains between
the remaining nodes, and dead ends of two-way streets are left out (terminals there move
to the street's other end).  On real OSM data this removes most nodes: the Beijing walk
graph keeps 423 of 1,124, and 87 of those are dead ends left out.  Each distinct origin
snap becomes a terminal node with out-edges to the ends of its chain (and of the reverse
chain), each distinct destination snap a terminal node with in-edges; one multi-source
Dijkstra runs from the terminals of the smaller side (on the transposed graph when that
is the destinations), so the cost is one single-source Dijkstra per distinct point on
the contracted graph.  Points on one street also get the direct way along it.  The
result equals the road model of :mod:`geo.matrix` exactly: tests compare it with
networkx on the explicit graph where every point is inserted as a node.

* :func:`snapped_network_m`: the network part of a travel matrix, metres;
* :func:`contracted_graph`: the contracted graph of a routable graph (built once per
  graph), for inspection.
"""

from __future__ import annotations

import os
import weakref
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import repeat

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from core.processes import die_with_parent, terminate_pool, worker_context, worker_count
from geo.network import IntArray, RoutableGraph, Snap
from geo.validation import FloatArray

# Sources per dijkstra call: bounds the temporary (chunk x nodes) array to a few MB.
_DIJKSTRA_CHUNK = 128


def _distinct(snap: Snap) -> tuple[IntArray, FloatArray, IntArray]:
    """Distinct (edge, fraction) snaps and, for each point, its position among them."""
    keys = np.column_stack([snap.edge.astype(np.float64), snap.fraction])
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    return uniq[:, 0].astype(np.int64), uniq[:, 1].copy(), inverse.reshape(-1).astype(np.int64)


def snapped_network_m(
    graph: RoutableGraph, snap_o: Snap, snap_d: Snap, *, workers: int = 1
) -> FloatArray:
    """Network part, metres, from each origin snap to each destination snap.

    Access legs are not included; ``inf`` marks an unreachable pair.  Shape
    (n_origins, n_destinations).  ``workers`` > 1 runs Dijkstra in that many processes.
    """
    e_o, t_o, inv_o = _distinct(snap_o)
    e_d, t_d, inv_d = _distinct(snap_d)
    chains = contracted_graph(graph)
    origins = chains.place(e_o, t_o)
    destinations = chains.place(e_d, t_d)
    net = _terminal_dijkstra_m(chains, origins, destinations, workers=workers)
    _apply_same_chain(origins, destinations, net=net)
    return net[inv_o[:, None], inv_d[None, :]]


@dataclass(frozen=True, eq=False)
class ChainPlaces:
    """Points on chains: chain and position (metres from its start), and the same on the
    reverse chain (-1 when the street is one-way)."""

    chain: IntArray
    pos_m: FloatArray
    rev_chain: IntArray
    rev_pos_m: FloatArray


@dataclass(frozen=True, eq=False)
class ContractedGraph:
    """A routable graph with its shape-point chains contracted, for Dijkstra.

    A node with exactly one predecessor and one other successor (one-way), or exactly two
    neighbours both ways (two-way), only continues a street: it is folded into a *chain*,
    a directed path between two kept nodes.  Every directed edge of the graph's CSR
    (shortest parallel edge) lies on exactly one chain at a known offset.

    A kept node that is the dead end of a two-way street (one chain in, its reverse out,
    from and to another node ``y``) is left out of the Dijkstra graph: terminals that
    would touch it are moved to ``y`` with the dead-end chain's length added (points on
    the dead-end street reach each other directly, see ``_apply_same_chain``).
    """

    node_count: int  # kept nodes
    chain_from: IntArray  # kept-node index where each chain starts
    chain_to: IntArray
    chain_m: FloatArray  # chain length, metres
    edge_chain: IntArray  # per graph edge: chain of its CSR edge (u, v)
    edge_off_m: FloatArray  # offset of u along that chain
    edge_m: FloatArray  # length of the CSR edge (u, v)
    rev_chain: IntArray  # per graph edge: chain of the CSR edge (v, u), or -1
    rev_off_m: FloatArray
    rev_m: FloatArray
    base: csr_matrix  # kept nodes, shortest chain between each ordered pair
    # Dead ends left out of ``base``: per kept node, the chain leaving it (-1 if it is not
    # a removed dead end); per chain, whether it runs into a removed dead end.
    dead_end_exit: IntArray
    dead_end_entry: IntArray
    into_dead_end: npt.NDArray[np.bool_]

    def place(self, edge: IntArray, t: FloatArray) -> ChainPlaces:
        """Where points snapped at fraction ``t`` of graph edges ``edge`` lie on chains."""
        rev = self.rev_chain[edge]
        return ChainPlaces(
            chain=self.edge_chain[edge],
            pos_m=self.edge_off_m[edge] + t * self.edge_m[edge],
            rev_chain=rev,
            rev_pos_m=np.where(
                rev >= 0, self.rev_off_m[edge] + (1.0 - t) * self.rev_m[edge], np.nan
            ),
        )


_CHAINS: weakref.WeakKeyDictionary[RoutableGraph, ContractedGraph] = weakref.WeakKeyDictionary()


def contracted_graph(graph: RoutableGraph) -> ContractedGraph:
    """The contracted graph, built once per routable graph (a memo, not a setting)."""
    found = _CHAINS.get(graph)
    if found is None:
        found = _contract(graph)
        _CHAINS[graph] = found
    return found


def _contract(graph: RoutableGraph) -> ContractedGraph:
    csr = csr_matrix(graph.csr, copy=True)
    csr.sort_indices()
    k = graph.node_count
    indptr = csr.indptr.astype(np.int64)
    cols = csr.indices.astype(np.int64)
    length = csr.data.astype(np.float64)
    m = cols.size
    rows = np.repeat(np.arange(k, dtype=np.int64), np.diff(indptr))
    keys = rows * k + cols  # ascending: rows sorted, columns sorted within rows
    rev_pos = np.minimum(np.searchsorted(keys, cols * k + rows), m - 1)
    csr_rev = np.where(keys[rev_pos] == cols * k + rows, rev_pos, -1)

    out_deg = np.diff(indptr)
    inc = csr_matrix(csr.T)
    inc.sort_indices()
    in_ptr, in_nb = inc.indptr.astype(np.int64), inc.indices.astype(np.int64)
    in_deg = np.diff(in_ptr)
    chain_node = np.zeros(k, dtype=bool)
    x = np.flatnonzero((out_deg == 1) & (in_deg == 1))
    chain_node[x] = cols[indptr[x]] != in_nb[in_ptr[x]]  # a -> x -> b
    x = np.flatnonzero((out_deg == 2) & (in_deg == 2))
    chain_node[x] = (cols[indptr[x]] == in_nb[in_ptr[x]]) & (
        cols[indptr[x] + 1] == in_nb[in_ptr[x] + 1]
    )  # a <-> x <-> b

    # Walk every chain from a kept node (Python, once per graph: one step per edge).
    kept = (~chain_node).tolist()
    ptr_l, cols_l, len_l, deg_l = indptr.tolist(), cols.tolist(), length.tolist(), out_deg.tolist()
    edge_chain = [-1] * m
    edge_off = [0.0] * m
    c_from: list[int] = []
    c_to: list[int] = []
    c_len: list[float] = []
    c_first: list[int] = []

    def walk(start: int, j: int) -> None:
        c = len(c_from)
        c_first.append(j)
        prev, pos = start, 0.0
        while True:
            edge_chain[j] = c
            edge_off[j] = pos
            pos += len_l[j]
            cur = cols_l[j]
            if kept[cur]:
                break
            j = ptr_l[cur]
            if deg_l[cur] == 2 and cols_l[j] == prev:  # two-way: do not turn back
                j += 1
            prev = cur
        c_from.append(start)
        c_to.append(cur)
        c_len.append(pos)

    for node in range(k):
        if kept[node]:
            for j in range(ptr_l[node], ptr_l[node + 1]):
                walk(node, j)
    for j0 in range(m):  # rings made only of chain nodes: keep one node of each
        if edge_chain[j0] < 0:
            start = int(rows[j0])
            kept[start] = True
            for j in range(ptr_l[start], ptr_l[start + 1]):
                if edge_chain[j] < 0:
                    walk(start, j)

    kept_a = np.array(kept, dtype=bool)
    local = np.full(k, -1, dtype=np.int64)
    local[kept_a] = np.arange(int(kept_a.sum()))
    n_kept = int(kept_a.sum())
    chain_from = local[np.array(c_from, dtype=np.int64)]
    chain_to = local[np.array(c_to, dtype=np.int64)]
    chain_m = np.array(c_len, dtype=np.float64)
    ec = np.array(edge_chain, dtype=np.int64)
    eo = np.array(edge_off, dtype=np.float64)
    # Dead ends of two-way streets: one chain in (from y), its reverse out (to y), y not
    # itself such a dead end (else an isolated street would vanish).
    n_chains = chain_m.size
    twin = csr_rev[np.array(c_first, dtype=np.int64)]
    chain_twin = np.where(twin >= 0, ec[np.maximum(twin, 0)], -1)
    ends_at = np.bincount(chain_to, minlength=n_kept)
    starts_at = np.bincount(chain_from, minlength=n_kept)
    chain_in = np.full(n_kept, -1, dtype=np.int64)
    chain_in[chain_to] = np.arange(n_chains)
    chain_out = np.full(n_kept, -1, dtype=np.int64)
    chain_out[chain_from] = np.arange(n_chains)
    cand = (ends_at == 1) & (starts_at == 1)
    dead = np.flatnonzero(cand)
    ok = (chain_twin[chain_in[dead]] == chain_out[dead]) & (chain_from[chain_in[dead]] != dead)
    cand[dead[~ok]] = False
    dead = np.flatnonzero(cand)
    cand[dead[cand[chain_from[chain_in[dead]]]]] = False  # both ends of an isolated street
    dead_end_exit = np.where(cand, chain_out, -1)
    dead_end_entry = np.where(cand, chain_in, -1)
    into_dead_end = cand[chain_to]
    # Shortest chain per ordered pair of kept nodes; loops never shorten a path.
    keep = (chain_from != chain_to) & ~cand[chain_from] & ~into_dead_end
    r, c_, w = _min_per_pair(chain_from, chain_to, chain_m, keep=keep)
    base = csr_matrix((w, (r, c_)), shape=(n_kept, n_kept))

    j_e = np.searchsorted(keys, graph.edge_u * k + graph.edge_v)  # CSR edge of each edge
    j_r = csr_rev[j_e]
    has_r = j_r >= 0
    j_r0 = np.maximum(j_r, 0)
    return ContractedGraph(
        node_count=n_kept,
        chain_from=chain_from,
        chain_to=chain_to,
        chain_m=chain_m,
        edge_chain=ec[j_e],
        edge_off_m=eo[j_e],
        edge_m=length[j_e],
        rev_chain=np.where(has_r, ec[j_r0], -1),
        rev_off_m=np.where(has_r, eo[j_r0], 0.0),
        rev_m=np.where(has_r, length[j_r0], 0.0),
        base=base,
        dead_end_exit=dead_end_exit,
        dead_end_entry=dead_end_entry,
        into_dead_end=into_dead_end,
    )


def _min_per_pair(
    rows: IntArray, cols: IntArray, weights: FloatArray, *, keep: npt.NDArray[np.bool_]
) -> tuple[IntArray, IntArray, FloatArray]:
    """Drop entries not kept and all but the lightest entry of each (row, col)."""
    rows, cols, weights = rows[keep], cols[keep], weights[keep]
    order = np.lexsort((weights, cols, rows))
    rows, cols, weights = rows[order], cols[order], weights[order]
    first = np.ones(rows.size, dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return rows[first], cols[first], weights[first]


def _terminal_dijkstra_m(
    chains: ContractedGraph, origins: ChainPlaces, destinations: ChainPlaces, *, workers: int
) -> FloatArray:
    """Shortest paths over the contracted graph between origin and destination terminals.

    Origin terminal: to the chain's end (rest of the chain), to the reverse chain's end
    (rest of the reverse chain), or, at the very start of a one-way chain, to its start
    for free.  Destination terminal: from the chain's start (position), from the reverse
    chain's start, or, at the very end of a one-way chain, from its end for free.
    """
    k = chains.node_count
    n_o, n_d = origins.chain.size, destinations.chain.size
    o_term = k + np.arange(n_o, dtype=np.int64)
    d_term = k + n_o + np.arange(n_d, dtype=np.int64)
    c_from, c_to, c_m = chains.chain_from, chains.chain_to, chains.chain_m

    o, d = origins, destinations
    o_rev, d_rev = o.rev_chain >= 0, d.rev_chain >= 0
    o_rc, d_rc = np.maximum(o.rev_chain, 0), np.maximum(d.rev_chain, 0)
    o_at_start = ~o_rev & (o.pos_m == 0.0)
    d_at_end = ~d_rev & (d.pos_m == c_m[d.chain])
    o_rows = np.concatenate([o_term, o_term[o_rev], o_term[o_at_start]])
    o_cols = np.concatenate([c_to[o.chain], c_to[o_rc[o_rev]], c_from[o.chain[o_at_start]]])
    o_w = np.concatenate(
        [c_m[o.chain] - o.pos_m, (c_m[o_rc] - o.rev_pos_m)[o_rev], np.zeros(o_at_start.sum())]
    )
    d_rows = np.concatenate([c_from[d.chain], c_from[d_rc[d_rev]], c_to[d.chain[d_at_end]]])
    d_cols = np.concatenate([d_term, d_term[d_rev], d_term[d_at_end]])
    d_w = np.concatenate([d.pos_m, d.rev_pos_m[d_rev], np.zeros(d_at_end.sum())])
    # Removed dead ends: leave them by their exit chain, reach them by their entry chain.
    exit_ = chains.dead_end_exit[o_cols]
    moved = exit_ >= 0
    o_w[moved] += c_m[exit_[moved]]
    o_cols[moved] = c_to[exit_[moved]]
    entry = chains.dead_end_entry[d_rows]
    moved = entry >= 0
    d_w[moved] += c_m[entry[moved]]
    d_rows[moved] = c_from[entry[moved]]
    # A chain that loops back to its start, or a moved terminal, can give two terminal
    # edges between one pair of nodes: keep the shorter (a sparse matrix would add them).
    rows = np.concatenate([o_rows, d_rows])
    t_rows, t_cols, t_w = _min_per_pair(
        rows,
        np.concatenate([o_cols, d_cols]),
        np.concatenate([o_w, d_w]),
        keep=np.ones(rows.size, dtype=bool),
    )
    base = chains.base.tocoo()
    size = k + n_o + n_d
    # Terminal edges may weigh 0 (a point on a kept node): csgraph keeps explicit zeros of
    # a sparse matrix as edges.
    adjacency = csr_matrix(
        (
            np.concatenate([base.data, t_w]),
            (np.concatenate([base.row, t_rows]), np.concatenate([base.col, t_cols])),
        ),
        shape=(size, size),
    )
    if n_d < n_o:  # fewer Dijkstra runs from the destinations on the reversed graph
        return _multi_source_m(csr_matrix(adjacency.T), d_term, o_term, workers).T.copy()
    return _multi_source_m(adjacency, o_term, d_term, workers)


def _multi_source_m(
    adjacency: csr_matrix, sources: IntArray, targets: IntArray, workers: int
) -> FloatArray:
    """Rows: sources; columns: targets.  Splits the sources over worker processes, which
    die with this process however it ends and are stopped when the wait is interrupted
    (:mod:`core.processes`); never more of them than usable cores."""
    workers = worker_count(workers)
    if workers > 1 and sources.size >= 2 * _DIJKSTRA_CHUNK:
        blocks = np.array_split(sources, workers)
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=worker_context(),
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )
        try:
            parts = list(pool.map(_dijkstra_block, repeat(adjacency), blocks, repeat(targets)))
        except BaseException:
            terminate_pool(pool)
            raise
        pool.shutdown(wait=True)
        return np.vstack(parts)
    return _dijkstra_block(adjacency, sources, targets)


def _dijkstra_block(adjacency: csr_matrix, sources: IntArray, targets: IntArray) -> FloatArray:
    out = np.empty((sources.size, targets.size), dtype=np.float64)
    for start in range(0, sources.size, _DIJKSTRA_CHUNK):
        chunk = sources[start : start + _DIJKSTRA_CHUNK]
        rows = dijkstra(adjacency, directed=True, indices=chunk)
        out[start : start + chunk.size] = rows[:, targets]
    return out


def _apply_same_chain(origins: ChainPlaces, destinations: ChainPlaces, *, net: FloatArray) -> None:
    """Lower ``net`` in place where an origin can go straight along its chain (or the
    reverse chain) to a destination further along it.

    A U-turn at a dead end left out of the Dijkstra graph never beats this: positions on
    a chain and its reverse run opposite ways along the same segments, so going to the end
    and back is at least as long as going straight in one of the two directions.
    """
    o, d = origins, destinations

    def street(p: ChainPlaces) -> IntArray:  # one key per chain and its reverse
        return np.where(p.rev_chain >= 0, np.minimum(p.chain, p.rev_chain), p.chain)

    key_o, key_d = street(o), street(d)
    order = np.argsort(key_d, kind="stable")
    sorted_d = key_d[order]
    left = np.searchsorted(sorted_d, key_o, side="left")
    counts = np.searchsorted(sorted_d, key_o, side="right") - left
    total = int(counts.sum())
    if total == 0:
        return
    i = np.repeat(np.arange(key_o.size), counts)
    j = order[np.arange(total) + np.repeat(left - (np.cumsum(counts) - counts), counts)]

    def position_on(chain: IntArray) -> FloatArray:  # destination j's position on chain
        return np.where(
            d.chain[j] == chain,
            d.pos_m[j],
            np.where(d.rev_chain[j] == chain, d.rev_pos_m[j], np.nan),
        )

    ahead = position_on(o.chain[i]) - o.pos_m[i]  # along the origin's chain
    o_rev = np.where(o.rev_chain[i] >= 0, o.rev_chain[i], -2)
    ahead_rev = position_on(o_rev) - o.rev_pos_m[i]
    direct = np.full(total, np.inf)
    ok = ahead >= 0.0  # NaN compares False
    direct[ok] = ahead[ok]
    ok = ahead_rev >= 0.0
    direct[ok] = np.minimum(direct[ok], ahead_rev[ok])
    net[i, j] = np.minimum(net[i, j], direct)
