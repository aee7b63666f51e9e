"""``supportctl db``: the store's schema version and migrations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from supportctl.cli.options import dry_run_option, pass_app

if TYPE_CHECKING:
    from supportctl.cli.app import App


@click.group()
def db() -> None:
    """Inspect and upgrade the store (SQLite or PostgreSQL)."""


@db.command()
@pass_app
def status(app: App) -> None:
    """Show the store's location, schema version and pending migrations."""
    from supportctl.render import Table
    from supportctl.store import open_store

    with open_store(app.config.store, upgrade=False) as store:
        report = store.status()
    rows = [
        {"version": number, "name": name, "state": "applied", "applied_at": applied_at}
        for number, name, applied_at in report.applied
    ] + [{"version": number, "name": name, "state": "pending"} for number, name in report.pending]
    app.info(
        f"{report.url} ({report.dialect}): version {report.current_version} "
        f"of {report.latest_version}, {len(report.pending)} pending"
    )
    app.render(Table(columns=("version", "name", "state", "applied_at"), rows=rows))


@db.command()
@dry_run_option
@pass_app
def upgrade(app: App, dry_run: bool) -> None:
    """Apply pending migrations (the store also upgrades itself on first use)."""
    from supportctl.render import Table
    from supportctl.store import open_store

    with open_store(app.config.store, upgrade=False) as store:
        applied = store.upgrade(dry_run=dry_run)
    verb = "would apply" if dry_run else "applied"
    app.info(f"{verb} {len(applied)} migration(s)")
    app.render(
        Table(
            columns=("version", "name", "state"),
            rows=[{"version": n, "name": name, "state": verb} for n, name in applied],
        )
    )
