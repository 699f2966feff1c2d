"""The reference graph: CSR building, searches with stops, shortest chains, lazy expansion."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decode_fixture import build
from linter.image import decode as D
from linter.image.graph import NO_KIND, Graph, reach

CALL, JMP, REF = 1, 2, 4


def small_graph():
    # 0 -> 1 -> 2 -> 3 -> 4, plus a shortcut 0 -> 3 by reference, and 1 -> 2 twice (call and ref)
    src = [0, 1, 1, 2, 3, 0, 5]
    dst = [1, 2, 2, 3, 4, 3, 0]
    kind = [CALL, REF, CALL, CALL, JMP, REF, CALL]
    return 6, src, dst, kind


def test_from_edges_dedupes_pairs_keeping_the_smallest_kind():
    g = Graph.from_edges(*small_graph())
    assert g.edge_count == 6
    src, dst, kind = g.out_edges([1, 0])
    assert list(zip(src.tolist(), dst.tolist(), kind.tolist())) == [(0, 1, CALL), (0, 3, REF),
                                                                    (1, 2, CALL)]


def test_from_edges_rejects_nodes_out_of_range():
    with pytest.raises(ValueError):
        Graph.from_edges(3, [0], [3], [CALL])


def test_reach_stops_are_reached_but_not_expanded():
    g = Graph.from_edges(*small_graph())
    r = reach(g, [0], stops=[3])
    assert r.nodes().tolist() == [0, 1, 2, 3]
    assert r.depth[[0, 1, 2, 3, 4, 5]].tolist() == [0, 1, 2, 1, -1, -1]
    # a source is expanded even when it is a stop
    assert reach(g, [3], stops=[3]).nodes().tolist() == [3, 4]


def test_reach_can_follow_only_some_kinds():
    g = Graph.from_edges(*small_graph())
    assert reach(g, [0], kinds=[CALL]).nodes().tolist() == [0, 1, 2, 3]
    assert reach(g, [0], kinds=[REF]).nodes().tolist() == [0, 3]


def test_chain_is_shortest_with_the_kind_of_each_step():
    g = Graph.from_edges(*small_graph())
    r = reach(g, [5, 2])
    assert r.chain(4) == [(2, NO_KIND), (3, CALL), (4, JMP)]
    assert r.chain(1) == [(5, NO_KIND), (0, CALL), (1, CALL)]
    assert reach(g, [0], stops=[3]).chain(4) == []


def test_parent_prefers_the_smallest_kind_among_equal_chains():
    # 0 -> 1 (ref), 0 -> 2 (call), 1 -> 3 (call), 2 -> 3 (ref): both chains to 3 have length 2
    g = Graph.from_edges(4, [0, 0, 1, 2], [1, 2, 3, 3], [REF, CALL, CALL, REF])
    assert reach(g, [0]).chain(3) == [(0, NO_KIND), (1, REF), (3, CALL)]


def test_lazy_graph_expands_each_visited_node_once_and_matches_the_eager_one():
    n, src, dst, kind = small_graph()
    eager = Graph.from_edges(n, src, dst, kind)
    asked = []

    def out_edges(nodes):
        asked.extend(nodes.tolist())
        return eager.out_edges(nodes)

    lazy = Graph.lazy(n, out_edges)
    first = reach(lazy, [0], stops=[3])
    assert sorted(asked) == [0, 1, 2]            # 3 is a stop: never expanded, never decoded
    again = reach(lazy, [0])
    assert sorted(asked) == [0, 1, 2, 3, 4]      # each node asked once over both searches
    for lazy_r, eager_r in ((first, reach(eager, [0], stops=[3])), (again, reach(eager, [0]))):
        assert lazy_r.visited.tolist() == eager_r.visited.tolist()
        assert lazy_r.parent.tolist() == eager_r.parent.tolist()
        assert lazy_r.parent_kind.tolist() == eager_r.parent_kind.tolist()


def test_csr_round_trip():
    g = Graph.from_edges(*small_graph())
    indptr, dst, kind = g.to_csr()
    again = Graph.from_csr(indptr, dst, kind)
    for node in range(6):
        assert [a.tolist() for a in g.out_edges([node])] == [a.tolist() for a in again.out_edges([node])]
    assert indptr.dtype == np.int64 and dst.dtype == np.int32 and kind.dtype == np.uint8


def test_lazy_callback_edges_of_other_nodes_are_ignored():
    lazy = Graph.lazy(3, lambda nodes: (np.array([0, 1]), np.array([1, 2]), np.array([CALL, CALL])))
    assert reach(lazy, [0], stops=[1]).nodes().tolist() == [0, 1]
    assert lazy.expanded.tolist() == [True, False, False]


@pytest.mark.image
def test_lazy_search_over_the_fixture_image_decodes_only_what_it_visits(tmp_path):
    """Doors of a kernel-shaped image: a search decodes just the functions it reaches."""
    img = build(tmp_path)
    n = len(img.names)
    decoded = []

    def out_edges(nodes):
        decoded.extend(nodes.tolist())
        refs = D.decode_references(img.code, img.base, img.starts, img.ends,
                                   asm_mask=img.asm_mask, only=nodes)
        targets = refs.target.copy()
        slot = np.isin(refs.kind, [D.SLOT_READ_CALL, D.SLOT_READ_JMP, D.SLOT_LOAD])
        values, ok = D.read_slots(targets[slot], img.data)
        targets[slot] = np.where(ok, values, 0)
        follow = ~np.isin(refs.kind, [D.SLOT_WRITE, D.ABS_PHYS])
        dst = D.function_at(targets, img.starts, img.ends)
        keep = follow & (dst >= 0) & (dst != refs.func)
        return refs.func[keep], dst[keep], refs.kind[keep]

    g = Graph.lazy(n, out_edges)
    converge = [img.index("x86_64_start_reservations")]
    native = reach(g, [img.index("startup_64")], stops=converge)
    xen = reach(g, [img.index("startup_xen")], stops=converge)
    names = lambda r: {img.names[i] for i in r.nodes().tolist()}   # noqa: E731
    assert names(native) - names(xen) == {"startup_64", "verify_cpu", "secondary_startup_64",
                                          "x86_64_start_kernel", "copy_bootdata.isra.0",
                                          "native_init", "native_read"}
    assert names(xen) - names(native) == {"startup_xen", "xen_start_kernel", "xen_init", "xen_read"}
    # the chain a reviewer reads: through the rel8 jump and the initial_code slot
    chain = [(img.names[i], k) for i, k in native.chain(img.index("native_read"))]
    assert chain == [("startup_64", NO_KIND), ("secondary_startup_64", D.JMP_REL),
                     ("x86_64_start_kernel", D.SLOT_LOAD), ("native_read", D.SLOT_READ_CALL)]
    # nothing behind the convergence point or off the doors' paths was decoded
    assert len(decoded) == len(set(decoded))
    assert {"start_kernel", "pick", "physical_16m", "odd_bytes", "pvh_start_xen"}.isdisjoint(
        {img.names[i] for i in decoded})


def plain_bfs(n, edges, sources, stops):
    """The textbook search, one node at a time: what reach() must agree with."""
    out = {}
    for s, d, k in edges:
        out.setdefault(s, []).append((d, k))
    depth = {s: 0 for s in sources}
    queue = list(dict.fromkeys(sources))
    while queue:
        node = queue.pop(0)
        if node in stops and node not in sources:
            continue
        for d, _k in out.get(node, []):
            if d not in depth:
                depth[d] = depth[node] + 1
                queue.append(d)
    return depth


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 12).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(1, 5)), max_size=40),
    st.lists(st.integers(0, n - 1), min_size=1, max_size=3),
    st.lists(st.integers(0, n - 1), max_size=3))))
def test_reach_agrees_with_a_plain_search(case):
    n, edges, sources, stops = case
    g = Graph.from_edges(n, [e[0] for e in edges], [e[1] for e in edges], [e[2] for e in edges])
    r = reach(g, sources, stops=stops)
    expected = plain_bfs(n, edges, sources, set(stops))
    assert {i: int(r.depth[i]) for i in r.nodes().tolist()} == expected
    kinds = {}
    for s, d, k in edges:
        kinds[(s, d)] = min(k, kinds.get((s, d), 255))
    for node in expected:
        chain = r.chain(node)
        assert len(chain) == expected[node] + 1 and chain[0][0] in sources
        for (a, _), (b, k) in zip(chain, chain[1:]):
            assert kinds[(a, b)] == k
            assert a not in stops or a in sources
