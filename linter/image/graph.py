"""Reference graph as CSR arrays, and breadth-first searches over it.

Nodes are 0..n-1 (the caller's symbol or function indices: key nodes by index, never by name).
Edges carry a kind (np.uint8, the caller's codes, e.g. decode.CALL_REL): between two nodes only one
edge is kept, the one with the smallest kind code, so give the kinds you would rather show in a chain
the smaller codes.

API
    Graph.from_edges(n, src, dst, kind) -> Graph     every edge known up front
    Graph.from_csr(indptr, dst, kind) -> Graph       e.g. loaded from a cache
    Graph.lazy(n, out_edges) -> Graph                out_edges(nodes: np.int32 array) returns
                                                     (src, dst, kind) arrays for those nodes; it is
                                                     called once per node, in batches (a search's
                                                     frontier), the first time a search expands it:
                                                     the caller decodes only what a search visits
    graph.out_edges(nodes) -> (src np.int32, dst np.int32, kind np.uint8), sorted by src then dst
    graph.to_csr() -> (indptr np.int64[n+1], dst np.int32, kind np.uint8)   of the nodes expanded so far
    reach(graph, sources, stops=None, kinds=None) -> Reach
    Reach.visited bool[n], .depth int32[n] (-1 unreached), .parent int32[n] (-1), .parent_kind uint8[n]
    Reach.nodes() -> np.int32 indices reached;  Reach.chain(node) -> [(node, kind), ...]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

NO_KIND = 255   # parent_kind of a source or an unreached node

OutEdges = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique by sorting: numpy 2's hash-based np.unique is ~7x slower on 400k int64 keys."""
    values = np.sort(values)
    keep = np.ones(len(values), bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]


def run_indices(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The index of every element of the runs starts[i] .. starts[i] + counts[i], run after run."""
    return np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))


def _dedupe(n: int, src, dst, kind):
    """Unique (src, dst) pairs, smallest kind kept, sorted by src then dst (1-D keys, not 2-D unique)."""
    src = np.asarray(src, np.int64)
    dst = np.asarray(dst, np.int64)
    kind = np.asarray(kind, np.uint8)
    if len(src) and (src.min() < 0 or dst.min() < 0 or src.max() >= n or dst.max() >= n):
        raise ValueError(f"edge node out of range 0..{n - 1}")
    key = (src * n + dst) * 256 + kind
    key = sorted_unique(key)
    pair = key >> 8
    first = np.ones(len(pair), bool)
    first[1:] = pair[1:] != pair[:-1]
    key = key[first]
    pair = key >> 8
    return (pair // n).astype(np.int32), (pair % n).astype(np.int32), (key & 0xFF).astype(np.uint8)


class Graph:
    """Out-edges of each node as a contiguous run of ``dst``/``kind`` (CSR with per-node starts)."""

    def __init__(self, n: int, out_edges: OutEdges | None = None):
        self.n = n
        self.start = np.zeros(n, np.int64)
        self.count = np.zeros(n, np.int64)
        self.dst = np.zeros(0, np.int32)
        self.kind = np.zeros(0, np.uint8)
        self.expanded = np.zeros(n, bool) if out_edges else np.ones(n, bool)
        self._out_edges = out_edges

    @classmethod
    def from_edges(cls, n: int, src, dst, kind) -> Graph:
        g = cls(n)
        s, d, k = _dedupe(n, src, dst, kind)
        g.count = np.bincount(s, minlength=n).astype(np.int64)
        g.start = np.concatenate(([0], np.cumsum(g.count)[:-1])).astype(np.int64)
        g.dst, g.kind = d, k
        return g

    @classmethod
    def from_csr(cls, indptr, dst, kind) -> Graph:
        indptr = np.asarray(indptr, np.int64)
        g = cls(len(indptr) - 1)
        g.start, g.count = indptr[:-1].copy(), np.diff(indptr)
        g.dst, g.kind = np.asarray(dst, np.int32), np.asarray(kind, np.uint8)
        return g

    @classmethod
    def lazy(cls, n: int, out_edges: OutEdges) -> Graph:
        return cls(n, out_edges)

    @property
    def edge_count(self) -> int:
        return int(self.count.sum())

    def _expand(self, nodes: np.ndarray) -> None:
        """Ask the callback for the out-edges of nodes never expanded, and store them."""
        src, dst, kind = self._out_edges(nodes)
        src = np.asarray(src, np.int64)
        mine = np.zeros(self.n, bool)
        mine[nodes] = True
        keep = mine[src] if len(src) else np.zeros(0, bool)
        s, d, k = _dedupe(self.n, src[keep], np.asarray(dst)[keep], np.asarray(kind)[keep])
        counts = np.bincount(s, minlength=self.n)[nodes]
        firsts = np.searchsorted(s, nodes)        # s is sorted: each node's run starts here
        self.start[nodes] = len(self.dst) + firsts
        self.count[nodes] = counts
        self.dst = np.concatenate((self.dst, d))
        self.kind = np.concatenate((self.kind, k))
        self.expanded[nodes] = True

    def out_edges(self, nodes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        nodes = sorted_unique(np.asarray(nodes, np.int32))
        need = nodes[~self.expanded[nodes]]
        if len(need):
            self._expand(need)
        counts = self.count[nodes]
        idx = run_indices(self.start[nodes], counts)
        return np.repeat(nodes, counts), self.dst[idx], self.kind[idx]

    def to_csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Compact CSR of the nodes expanded so far (others have no edges): indptr, dst, kind."""
        nodes = np.flatnonzero(self.expanded).astype(np.int32)
        src, dst, kind = self.out_edges(nodes)
        counts = np.bincount(src, minlength=self.n)
        indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        return indptr, dst, kind


@dataclass
class Reach:
    """What a breadth-first search reached; parents give one shortest chain to every node."""

    visited: np.ndarray      # bool[n]
    depth: np.ndarray        # int32[n], -1 where unreached, 0 for sources
    parent: np.ndarray       # int32[n], -1 for sources and unreached nodes
    parent_kind: np.ndarray  # uint8[n], kind of the edge parent -> node (NO_KIND if none)

    def nodes(self) -> np.ndarray:
        return np.flatnonzero(self.visited).astype(np.int32)

    def chain(self, node: int) -> list[tuple[int, int]]:
        """[(source, NO_KIND), (next, kind of the edge into it), …, (node, kind)]; [] if unreached."""
        if not self.visited[node]:
            return []
        steps = []
        while node >= 0:
            steps.append((int(node), int(self.parent_kind[node])))
            node = self.parent[node]
        return steps[::-1]


def reach(graph: Graph, sources, stops=None, kinds=None) -> Reach:
    """Every node reachable from ``sources``.

    stops: nodes that are reached but not expanded (convergence points). A source is always expanded.
    kinds: if given, follow only edges of these kinds.
    Among equally short chains, a node's parent is the one whose edge has the smallest kind, then
    the smallest node index: chains are deterministic."""
    n = graph.n
    visited = np.zeros(n, bool)
    depth = np.full(n, -1, np.int32)
    parent = np.full(n, -1, np.int32)
    parent_kind = np.full(n, NO_KIND, np.uint8)
    is_stop = np.zeros(n, bool)
    if stops is not None:
        is_stop[np.asarray(stops, np.int64)] = True
    allowed = None
    if kinds is not None:
        allowed = np.zeros(256, bool)
        allowed[np.asarray(list(kinds), np.int64)] = True

    frontier = sorted_unique(np.asarray(sources, np.int32))
    visited[frontier] = True
    depth[frontier] = 0
    level = 0
    while len(frontier):
        src, dst, kind = graph.out_edges(frontier)
        keep = ~visited[dst]
        if allowed is not None:
            keep &= allowed[kind]
        src, dst, kind = src[keep], dst[keep], kind[keep]
        order = np.lexsort((src, kind, dst))
        src, dst, kind = src[order], dst[order], kind[order]
        first = np.ones(len(dst), bool)
        first[1:] = dst[1:] != dst[:-1]
        new = dst[first]
        level += 1
        visited[new] = True
        depth[new] = level
        parent[new] = src[first]
        parent_kind[new] = kind[first]
        frontier = new[~is_stop[new]]
    return Reach(visited, depth, parent, parent_kind)
