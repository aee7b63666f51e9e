"""Publishing response-time expectations: what to tell customers, and where.

``expectations`` works out, per channel, whether the team is open, when a reply can be
expected, the hours and the coming holidays and closures (pure, ``now`` passed in);
``formats`` renders that as text, markdown, html, json or ics; ``targets`` sends it to
stdout, a file or a Sieve vacation auto-reply (``sieve`` over ``managesieve``).

This ``__init__`` imports nothing, so that importing a submodule stays cheap.
"""

PUBLISH_FORMATS = ("text", "markdown", "html", "json", "ics")
