"""Error parity: invalid calls run against torch and minitorch in subprocesses, exception types compared.

``runner.py`` runs a batch of :class:`Case` snippets in a child process per library (a crash or a
hang kills only that child and is recorded against the case that caused it); the ``cases_*.py``
modules hold the tables; ``parity_tests/test_error_parity.py`` turns them into tests and
``tools/error_parity_report.py`` prints the figures the README shows. A table may list
``KNOWN_DIFFERENCES`` (case id -> reason), each also a sentence in ``docs/differences.md``.
"""
