"""Invalid calls where minitorch deliberately does not raise torch's exception type.

Each entry maps a case id (``"callable: code"``) to the reason; every reason is also a sentence
in ``docs/differences.md``. The error-parity test accepts these cases as they are and fails
when one of them starts to match torch (so the list cannot go stale).
"""

KNOWN_DIFFERENCES: dict[str, str] = {}
