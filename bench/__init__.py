"""registry-core's benchmarks (issue 13); run them with ``python -m bench``.

Each scenario module has ``run(report, quick)``; see ``docs/performance.rst``.
"""
