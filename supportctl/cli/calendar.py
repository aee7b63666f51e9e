"""``supportctl calendar``: a calendar's days, its next opening, and public holidays."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click

from supportctl.cli.completion import complete_calendar
from supportctl.cli.options import at_option, parse_at, pass_app
from supportctl.errors import NotFoundError, SupportctlError, UsageError

if TYPE_CHECKING:
    from supportctl.cli.app import App
    from supportctl.config.model import Calendar

language_option = click.option(
    "--language",
    type=click.Choice(("ar", "en")),
    help="Language of holiday and closure names. Default: the config's language.",
)
calendar_argument = click.argument("name", shell_complete=complete_calendar)


@click.group()
def calendar() -> None:
    """Show business calendars: open hours per day, next opening, holidays."""


@calendar.command()
@calendar_argument
@click.option(
    "--from",
    "first",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="DATE",
    help="First day (YYYY-MM-DD). Default: today in the calendar's time zone.",
)
@click.option(
    "--days", type=click.IntRange(1, 3660), default=14, show_default=True, help="How many days."
)
@language_option
@pass_app
def show(app: App, name: str, first: datetime | None, days: int, language: str | None) -> None:
    """One row per local day of calendar NAME: the hours actually open (after holidays
    and closures, overnight ranges marked), special hours, holiday and closure names,
    and whether the holiday's date is estimated."""
    from supportctl.render import Table
    from supportctl.timekit.calendar import BusinessCalendar
    from supportctl.timekit.views import DAY_COLUMNS, calendar_days, local_time

    config_calendar = _calendar(app, name)
    business = BusinessCalendar.from_config(config_calendar)
    start = first.date() if first else local_time(app.now(), config_calendar.timezone).date()
    rows = calendar_days(business, start, days, language or app.config.language)
    app.render(Table(columns=DAY_COLUMNS, rows=[vars(row) for row in rows]))


@calendar.command("next-open")
@calendar_argument
@at_option
@pass_app
def next_open(app: App, name: str, at: str | None) -> None:
    """When calendar NAME is next open (the moment itself if open now), in local time and
    UTC, and when it closes again. --at reads local times in the calendar's zone."""
    from supportctl.render import Table
    from supportctl.timekit.calendar import BusinessCalendar
    from supportctl.timekit.views import OPENING_COLUMNS, next_opening

    config_calendar = _calendar(app, name)
    moment = parse_at(at, config_calendar.timezone) if at else app.now()
    opening = next_opening(BusinessCalendar.from_config(config_calendar), moment)
    table = Table(columns=OPENING_COLUMNS, rows=[vars(opening)])
    app.render(table, tz=config_calendar.timezone)


@calendar.command()
@click.argument("name", required=False, shell_complete=complete_calendar)
@click.option("--country", metavar="CODE", help="ISO 3166-1 alpha-2 code, e.g. SA, EG, AE.")
@click.option("--subdivision", metavar="CODE", help="A subdivision of --country.")
@click.option("--year", type=int, help="Default: this year.")
@language_option
@pass_app
def holidays(
    app: App,
    name: str | None,
    country: str | None,
    subdivision: str | None,
    year: int | None,
    language: str | None,
) -> None:
    """Public holidays of calendar NAME (its source and overrides) or of --country, one
    row per date, marking dates the holidays package only estimates (moon sighting)."""
    from supportctl.config.model import HolidaySource
    from supportctl.render import Table
    from supportctl.timekit.views import HOLIDAY_COLUMNS, holiday_rows

    if subdivision and not country:
        raise UsageError("--subdivision goes with --country")
    if name is not None and country is None:
        source = _calendar(app, name).holidays
        if source is None:
            raise NotFoundError(f"calendar {name!r} has no holidays", hint="see its 'holidays'")
    elif country is not None and name is None:
        source = HolidaySource(country.upper(), subdivision)
    else:
        raise UsageError("name a calendar or give --country", hint="not both")
    rows = holiday_rows(source, year or app.now().year, language or _config_language(app))
    app.render(Table(columns=HOLIDAY_COLUMNS, rows=[vars(row) for row in rows]))


def _calendar(app: App, name: str) -> Calendar:
    try:
        return app.config.calendars[name]
    except KeyError:
        known = ", ".join(sorted(app.config.calendars)) or "none (the config defines no calendars)"
        raise NotFoundError(f"no calendar named {name!r}", hint=f"known: {known}") from None


def _config_language(app: App) -> str:
    """The config's language; English when there is no usable config (``--country``
    needs none)."""
    try:
        return app.config.language
    except SupportctlError:
        return "en"
