"""Reports and exports over the store: what a support manager acts on.

Every metric is defined once, in ``supportctl.reports.metrics`` (and the README's
"Reports" section says the same): the figures are aggregated in SQL by
``supportctl.store.reports`` and assembled here, so every command counts a
conversation the same way.

- ``periods``: periods and time buckets in the team's zone;
- ``metrics``: the definitions, statistics and the assembled ``ReportData``;
- ``build``: ``build_report(store, config, request)``, the one entry point;
- ``tables`` and ``html``: what each ``report`` command shows;
- ``export``: streaming conversations, messages and events;
- ``times``: business seconds stored beside the SLA columns.
"""
