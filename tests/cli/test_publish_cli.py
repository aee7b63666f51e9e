"""``supportctl publish``: one page to stdout or a file, configured targets, exit statuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_CONFIG, Run

RIYADH_CONFIG = Path(__file__).resolve().parent.parent / "publish" / "riyadh.yaml"
WEDNESDAY = {"SUPPORTCTL_NOW": "2026-03-18T13:30:00Z"}  # 16:30 in Riyadh, Eid tomorrow
WEDNESDAY_NIGHT = {"SUPPORTCTL_NOW": "2026-03-18T17:00:00Z"}  # 20:00: closed until the 25th


def with_targets(tmp_path: Path, targets: str) -> str:
    """The Riyadh config plus a ``publish`` list, written beside its output directory."""
    config = tmp_path / "supportctl.yaml"
    config.write_text(RIYADH_CONFIG.read_text(encoding="utf-8") + targets, encoding="utf-8")
    return str(config)


TARGETS = """\
publish:
  - {target: file, path: public/times.html, format: html, language: ar}
  - {target: file, path: public/times.json, format: json, channels: [email]}
"""


def test_text_page_to_stdout(run: Run) -> None:
    result = run("-c", str(RIYADH_CONFIG), "publish", env=WEDNESDAY)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Thank you for your message.")
    assert "expect a reply by Wednesday 25 March 2026, 16:30 (UTC+3)." in result.stdout
    assert result.stderr == ""


def test_json_page_with_options(run: Run) -> None:
    result = run(
        "-c",
        str(RIYADH_CONFIG),
        "publish",
        "--format",
        "json",
        "--channel",
        "email",
        "--language",
        "ar",
        "--horizon",
        "5",
        "--at",
        "2026-03-19 16:30",  # local time in the config's zone: Thursday, Eid
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["language"] == "ar" and document["horizon"] == 5
    (email,) = document["channels"]
    assert (email["label"], email["open_now"]) == ("البريد الإلكتروني", False)
    assert email["reply_by"] == "2026-03-25T17:00:00+03:00"
    assert email["closures"][0]["name"] == "عطلة عيد الفطر"


def test_root_format_names_the_page_format_too(run: Run) -> None:
    by_root = run("-c", str(RIYADH_CONFIG), "--format", "html", "publish", env=WEDNESDAY)
    by_option = run("-c", str(RIYADH_CONFIG), "publish", "--format", "html", env=WEDNESDAY)
    assert by_root.exit_code == by_option.exit_code == 0
    assert by_root.stdout == by_option.stdout
    assert by_root.stdout.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "csv", "publish"), "publish writes pages, not --format csv"),
        (("--format", "json", "publish", "--format", "ics"), "disagree"),
        (("publish", "--channel", "fax"), "no SLA policy or channel named 'fax'"),
        (("publish", "--at", "tomorrow"), "--at 'tomorrow' is not a time"),
        (("publish", "--target", "x", "--format", "html"), "--format/--output render one page"),
    ],
)
def test_usage_errors_exit_2(run: Run, args: tuple[str, ...], message: str) -> None:
    result = run("-c", str(RIYADH_CONFIG), *args, env=WEDNESDAY)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("supportctl: error: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_output_file_is_written_once(run: Run, tmp_path: Path) -> None:
    output = tmp_path / "reply.txt"
    first = run("-c", str(RIYADH_CONFIG), "publish", "--output", str(output), env=WEDNESDAY_NIGHT)
    assert first.exit_code == 0 and first.stdout == ""
    assert first.stderr == f"reply.txt (file {output}): written\n"
    assert output.read_text(encoding="utf-8").startswith("Thank you")
    second = run("-c", str(RIYADH_CONFIG), "publish", "--output", str(output), env=WEDNESDAY_NIGHT)
    assert second.stderr == f"reply.txt (file {output}): unchanged\n"
    quiet = run("-q", "-c", str(RIYADH_CONFIG), "publish", "--output", str(output))
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_configured_targets(run: Run, tmp_path: Path) -> None:
    config = with_targets(tmp_path, TARGETS)
    result = run("-c", config, "publish", env=WEDNESDAY_NIGHT)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    public = tmp_path / "public"
    assert result.stderr.splitlines() == [
        f"times.html (file {public / 'times.html'}): written",
        f"times.json (file {public / 'times.json'}): written",
    ]
    assert '<html lang="ar" dir="rtl">' in (public / "times.html").read_text(encoding="utf-8")
    assert [c["name"] for c in json.loads((public / "times.json").read_text())["channels"]] == [
        "email"
    ]
    again = run("-c", config, "publish", "--target", "times.json", env=WEDNESDAY_NIGHT)
    assert again.stderr == f"times.json (file {public / 'times.json'}): unchanged\n"


def test_dry_run_prints_what_would_be_written(run: Run, tmp_path: Path) -> None:
    config = with_targets(tmp_path, TARGETS)
    result = run("-c", config, "publish", "--all", "--dry-run", env=WEDNESDAY)
    assert result.exit_code == 0
    assert result.stdout.startswith("<!DOCTYPE html>") and '"generated_at"' in result.stdout
    assert "would write" in result.stderr
    assert not (tmp_path / "public").exists()


def test_stdout_target_prints_its_page(run: Run, tmp_path: Path) -> None:
    config = with_targets(tmp_path, "publish:\n  - {target: stdout, format: markdown}\n")
    result = run("-c", config, "publish", env=WEDNESDAY)
    assert result.exit_code == 0
    assert result.stdout.startswith("# When to expect our reply\n")
    assert result.stderr == ""


def test_failing_targets_exit_3_or_1(run: Run, tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file, not a directory", encoding="utf-8")
    config = with_targets(
        tmp_path,
        "publish:\n"
        "  - {target: file, path: blocked/times.html, format: html}\n"
        "  - {target: file, path: public/times.txt}\n",
    )
    some = run("-c", config, "publish", env=WEDNESDAY)
    assert some.exit_code == 3
    lines = some.stderr.splitlines()
    assert lines[0].startswith("supportctl: error: publish times.html: cannot write ")
    assert lines[1].endswith("): written")
    every = run("-c", config, "publish", "--target", "times.html", env=WEDNESDAY)
    assert every.exit_code == 1


def test_unknown_target_lists_the_known(run: Run, tmp_path: Path) -> None:
    result = run("-c", with_targets(tmp_path, TARGETS), "publish", "--target", "www")
    assert result.exit_code == 2
    assert result.stderr == (
        "supportctl: error: no publish target named 'www' (known: times.html, times.json)\n"
    )


def test_example_configs_ics_target_and_its_template(run: Run, example_env: dict[str, str]) -> None:
    args = ("-c", str(EXAMPLE_CONFIG), "publish", "--target", "holidays.ics", "--dry-run")
    result = run(*args, env={**example_env, **WEDNESDAY})
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()  # CliRunner turns CRLF into LF
    assert "X-WR-CALNAME:Example Co. - إجازاتنا وأيام الإغلاق" in lines  # config/templates/
    assert "DTSTART;VALUE=DATE:20260319" in lines and "DTEND;VALUE=DATE:20260325" in lines
    assert result.stderr.endswith("holidays.ics): would write\n")
