"""Triage: who owns a conversation, what it is about and where it stands.

Pure parts (no clock, no I/O): ``conditions`` (does a rule's ``when`` match),
``tagging`` (which tags the rules add), ``duty`` (who is on duty at an instant) and
``assignment`` (the plan of ``assign auto``). ``views``, ``manual`` and ``auto`` bring
them together with the store (``supportctl.store.triage``); the CLI only renders.
"""
