"""The benchmark harness: start each bench server, load it, write one results file.

Run it with `nox -s bench` or `python -m scripts.bench [--quick] [--output PATH]`;
`python -m scripts.bench.render` turns the results into the Performance pages, and
`python -m scripts.bench.compare A.json B.json` checks
two runs against each other. `scripts/bench/noise.py` records how busy the host was.
"""
