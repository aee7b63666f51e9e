"""Schema version 3: what reports need to stay fast on a large store.

- ``conversation.first_response_business`` and ``resolution_business``: the first-response
  and resolution times in business seconds on the conversation's SLA calendar, worked out
  beside the SLA columns (``supportctl.reports.times``), so that a report over a year of
  conversations aggregates two columns instead of walking a calendar 250,000 times. Empty
  while not done, and without an SLA policy.
- The SLA fingerprint is forgotten, so the next ``sla refresh`` recomputes every
  conversation and fills the new columns.
"""

STATEMENTS = (
    "ALTER TABLE conversation ADD COLUMN first_response_business {int64}",
    "ALTER TABLE conversation ADD COLUMN resolution_business {int64}",
    "DELETE FROM state WHERE key = 'sla.fingerprint'",
)
