"""``supportctl calendar show | next-open | holidays`` on the example config (Riyadh with
Ramadan hours, an Eid override and closure, an overnight desk) and by country."""

from __future__ import annotations

import json

import pytest

from tests.conftest import EXAMPLE_CONFIG, Result, Run


@pytest.fixture
def calendar(run: Run, example_env: dict[str, str]) -> Run:
    """``calendar(...)``: ``supportctl --format json -c example.yaml calendar ...``."""

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        arguments = ("--format", "json", "-c", str(EXAMPLE_CONFIG), "calendar", *args)
        return run(*arguments, env={**example_env, **(env or {})})

    return invoke


def row(date: str, weekday: str, hours: str, **names: object) -> dict[str, object]:
    return {
        "date": date,
        "weekday": weekday,
        "hours": hours,
        "special_hours": names.get("special_hours"),
        "holiday": names.get("holiday"),
        "closure": names.get("closure"),
        "estimated": names.get("estimated", False),
    }


def test_show_across_the_end_of_ramadan_and_eid(calendar: Run) -> None:
    result = calendar("show", "riyadh", "--from", "2026-03-18", "--days", "8", "--language", "en")
    assert result.exit_code == 0, result.stderr
    eid = {"holiday": "Eid al-Fitr", "closure": "Eid al-Fitr break"}
    assert json.loads(result.stdout) == [
        row("2026-03-18", "wed", "10:00-15:00", special_hours="Ramadan"),
        row("2026-03-19", "thu", "", **eid),
        row("2026-03-20", "fri", "", **eid),
        row("2026-03-21", "sat", "", **eid),
        row("2026-03-22", "sun", "", **eid),
        row("2026-03-23", "mon", "", **eid),
        row("2026-03-24", "tue", "", **eid),
        row("2026-03-25", "wed", "09:00-17:00"),
    ]


def test_show_names_in_arabic_by_default(calendar: Run) -> None:
    # The example config's language is ar.
    result = calendar("show", "riyadh", "--from", "2026-03-19", "--days", "1")
    (day,) = json.loads(result.stdout)
    assert (day["holiday"], day["closure"]) == ("عيد الفطر", "إجازة عيد الفطر")


def test_show_a_closure_of_hours_and_overnight_shifts(calendar: Run) -> None:
    move = json.loads(calendar("show", "riyadh", "--from", "2026-06-04", "--days", "1").stdout)
    assert move[0]["hours"] == "09:00-13:00" and move[0]["closure"] == "نقل المكتب"
    nights = json.loads(calendar("show", "night", "--from", "2026-01-08", "--days", "3").stdout)
    assert [(d["weekday"], d["hours"]) for d in nights] == [
        ("thu", "22:00-06:00 (overnight)"),
        ("fri", ""),
        ("sat", "22:00-06:00 (overnight)"),
    ]


def test_show_starts_today_in_the_calendars_zone(calendar: Run) -> None:
    # 22:30 UTC on the 18th is already the 19th in Riyadh.
    result = calendar("show", "riyadh", "--days", "1", env={"SUPPORTCTL_NOW": "2026-03-18T22:30Z"})
    assert [day["date"] for day in json.loads(result.stdout)] == ["2026-03-19"]


def test_table_output(run: Run, example_env: dict[str, str]) -> None:
    args = ("-c", str(EXAMPLE_CONFIG), "calendar", "show", "london", "--from", "2026-03-27")
    result = run(*args, "--days", "2", env=example_env)
    assert result.stdout.splitlines()[2].split() == ["2026-03-27", "fri", "09:00-17:30", "no"]


def test_next_open_during_eid(calendar: Run) -> None:
    result = calendar("next-open", "riyadh", "--at", "2026-03-19 16:30")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [
        {
            "calendar": "riyadh",
            "open_now": False,
            "opens": "2026-03-25T09:00:00+03:00",
            "opens_utc": "2026-03-25T06:00Z",
            "closes": "2026-03-25T17:00:00+03:00",
            "closes_utc": "2026-03-25T14:00Z",
        }
    ]


def test_next_open_when_open_is_the_moment_itself(calendar: Run) -> None:
    (opening,) = json.loads(calendar("next-open", "riyadh", "--at", "2026-03-17T08:30Z").stdout)
    assert (opening["open_now"], opening["opens"]) == (True, "2026-03-17T11:30:00+03:00")
    assert opening["closes"] == "2026-03-17T15:00:00+03:00"  # Ramadan hours


def test_next_open_of_an_overnight_desk(calendar: Run) -> None:
    (opening,) = json.loads(calendar("next-open", "night", "--at", "2026-01-09 12:00").stdout)
    assert (opening["opens"], opening["closes"]) == (
        "2026-01-10T22:00:00+03:00",  # Friday is off: Saturday night
        "2026-01-11T06:00:00+03:00",
    )


def test_holidays_by_country_in_arabic(run: Run) -> None:
    arguments = ("--format", "json", "calendar", "holidays", "--country", "sa", "--year", "2027")
    result = run(*arguments, "--language", "ar")
    assert result.exit_code == 0, result.stderr
    days = json.loads(result.stdout)
    assert days[0] == {
        "date": "2027-02-22",
        "weekday": "mon",
        "name": "يوم التأسيس",
        "estimated": False,
    }
    fitr = [d for d in days if d["name"].startswith("عطلة عيد الفطر")]
    assert fitr and all(d["estimated"] for d in fitr)


def test_holidays_of_a_calendar_apply_its_overrides(calendar: Run) -> None:
    result = calendar("holidays", "riyadh", "--year", "2026", "--language", "en")
    fitr = [d for d in json.loads(result.stdout) if d["name"] == "Eid al-Fitr"]
    assert [d["date"] for d in fitr] == [f"2026-03-{day}" for day in range(19, 25)]
    assert not any(d["estimated"] for d in fitr)  # the override's dates are known


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--country", "XX", "--year", "2027"), "unknown holiday country 'XX'"),
        (("--country", "SA", "--year", "2300"), "no SA holidays for 2300 (it covers "),
        (("--country", "SA", "--subdivision", "ZZ"), "unknown subdivision 'ZZ'"),
        (
            (
                "--subdivision",
                "01",
            ),
            "--subdivision goes with --country",
        ),
        ((), "name a calendar or give --country"),
    ],
)
def test_holidays_bad_input_is_one_line_exit_2(
    run: Run, args: tuple[str, ...], message: str
) -> None:
    result = run("calendar", "holidays", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("supportctl: error: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("command", ["show", "next-open", "holidays"])
def test_unknown_calendar_lists_the_known(calendar: Run, command: str) -> None:
    result = calendar(command, "mars")
    assert result.exit_code == 2
    assert result.stderr == (
        "supportctl: error: no calendar named 'mars' "
        "(known: cairo, casablanca, london, night, riyadh)\n"
    )


def test_a_calendar_without_holidays(calendar: Run) -> None:
    result = calendar("holidays", "night")
    assert result.exit_code == 2 and "calendar 'night' has no holidays" in result.stderr
