"""The benchmark harness: synthetic trees at county / prefecture / province scale
(`bench.generate`) and the measured operations (`bench.run`, `bench.http`).

Nothing here runs in the server; the CLI imports it lazily (`partygraph bench ...`).
"""
