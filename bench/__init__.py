"""`make bench`: load scenarios against a whole stack, with the machine's own ceilings beside them.

`python -m bench.run` (see bench/run.py) starts a throwaway stack, or measures a running one
named by BENCH_URL, prints a table and writes JSON to bench-results/.
"""
