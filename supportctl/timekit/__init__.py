"""Business calendars, holidays and business-time arithmetic (pure; ``now`` is passed in).

This package's ``__init__`` imports nothing: ``spec`` is needed by config loading, which
must stay cheap; the calendar engine and holiday sources are imported where used.
"""
