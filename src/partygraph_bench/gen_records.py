"""The people's records after the members: candidates, last year's evaluations, assistance.

One pass over the counties: each county's members are read back once (one primary-key
range statement), the three builders (`gen_candidates`, `gen_evaluations`,
`gen_assistance`) turn them into rows, and the rows go out table by table before the next
county, so memory stays that of one county. The big tables' indexes and constraints are
dropped for the whole load when the tree is large (`gen_common.bulk`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from partygraph_bench import gen_assistance, gen_candidates, gen_evaluations
from partygraph_bench.gen_common import Rows, bulk, counties, read_county

if TYPE_CHECKING:
    from partygraph_bench.generate import Population, Sink

AREAS = (
    ("candidates", gen_candidates.tables, gen_candidates.Candidates, gen_candidates.BULK_TABLES),
    (
        "evaluations",
        gen_evaluations.tables,
        gen_evaluations.Evaluations,
        gen_evaluations.BULK_TABLES,
    ),
    ("assistance", gen_assistance.tables, gen_assistance.Assistance, gen_assistance.BULK_TABLES),
)


def generate_records(pop: Population, sink: Sink) -> dict[str, int]:
    """Rows written per table; each area's building time lands in `pop.phases`."""
    tables: dict[str, tuple[str, ...]] = {}
    for _, of, _, _ in AREAS:
        tables |= of()
    rows = Rows(tables)
    builders = [(name, make(pop, rows)) for name, _, make, _ in AREAS]
    big = tuple(t for *_, tables_ in AREAS for t in tables_)
    counts: dict[str, int] = {}
    clock = time.perf_counter
    spent = dict.fromkeys(["read", *(name for name, _ in builders), "write"], 0.0)
    with bulk(sink, big, pop):
        for units in counties(pop):
            t = clock()
            county = read_county(sink, units)
            spent["read"] += clock() - t
            for name, builder in builders:
                t = clock()
                builder.county(county)
                spent[name] += clock() - t
            t = clock()
            rows.flush(sink, counts)
            spent["write"] += clock() - t
        t = clock()
    spent["indexes"] = clock() - t
    for _, builder in builders:
        builder.done()
    pop.phases.update({f"records: {k}": v for k, v in spent.items()})
    return counts
