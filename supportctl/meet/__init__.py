"""The meeting planner: find and rank slots where every participant can meet.

Pure: no clock (``now`` is passed in) and no I/O. ``planner`` holds the entry points
(``plan_meeting``, ``plan_series``, ``overlap_day``); this ``__init__`` imports nothing, so
the CLI pays for the calendar machinery only when a meet command runs.
"""
