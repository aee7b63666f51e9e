"""Publish targets: which run, the file target's atomic write-if-changed, failures that do
not stop the others, and the sieve target's call into publish_sieve against the real
Dovecot ManageSieve."""

from __future__ import annotations

import dataclasses
import os
import stat
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import pytz

from supportctl.config import load_config
from supportctl.config.model import Config, PublishTarget
from supportctl.errors import ConfigError, ExitStatus, NotFoundError, UsageError
from supportctl.publish.expectations import Period, expectations
from supportctl.publish.managesieve import connect_mailbox
from supportctl.publish.targets import (
    choose_targets,
    next_window,
    publish,
    select_targets,
    target_name,
    write_file,
)
from tests.mail_imap.imap_helpers import mailbox_for
from tests.servers.dovecot import DovecotServer

RIYADH_CONFIG = Path(__file__).with_name("riyadh.yaml")
RIYADH = pytz.timezone("Asia/Riyadh")
WEDNESDAY = RIYADH.localize(datetime(2026, 3, 18, 16, 30))  # open; Eid from tomorrow
WEDNESDAY_NIGHT = RIYADH.localize(datetime(2026, 3, 18, 20, 0))  # closed until the 25th


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(RIYADH_CONFIG, {})


def file_target(path: Path, fmt: str = "html", **fields: object) -> PublishTarget:
    return PublishTarget("file", fmt, "en", path=str(path), **fields)  # type: ignore[arg-type]


def test_file_target_writes_then_leaves_an_unchanged_page(config: Config, tmp_path: Path) -> None:
    page = tmp_path / "public" / "times.json"  # the directory does not exist yet
    target = file_target(page, "json")
    first = publish(config, [target], WEDNESDAY_NIGHT, dry_run=False)
    assert [(o.target, o.kind, o.action, o.error) for o in first.outcomes] == [
        ("times.json", "file", "written", None)
    ]
    written = page.stat()
    # An hour later nothing a customer reads has changed (closed until the 25th); only
    # generated_at would: the file is left alone.
    later = publish(config, [target], WEDNESDAY_NIGHT + timedelta(hours=1), dry_run=False)
    assert later.outcomes[0].action == "unchanged"
    assert (page.stat().st_ino, page.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    # During Eid the promise stays the same too (a holiday under way is shown whole).
    eid = publish(config, [target], WEDNESDAY_NIGHT + timedelta(days=2), dry_run=False)
    assert eid.outcomes[0].action == "unchanged"
    # A week later, after Eid, it has changed: rewritten.
    week = publish(config, [target], WEDNESDAY_NIGHT + timedelta(days=7), dry_run=False)
    assert week.outcomes[0].action == "written"
    assert page.stat().st_ino != written.st_ino  # replaced, not rewritten in place
    assert sorted(p.name for p in page.parent.iterdir()) == ["times.json"]  # no leftovers


def test_file_target_keeps_the_files_permissions(config: Config, tmp_path: Path) -> None:
    page = tmp_path / "times.html"
    page.write_text("old page", encoding="utf-8")
    page.chmod(0o640)
    publish(config, [file_target(page)], WEDNESDAY, dry_run=False)
    assert stat.S_IMODE(page.stat().st_mode) == 0o640
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_new_file_gets_the_umask_permissions(config: Config, tmp_path: Path) -> None:
    page = tmp_path / "times.html"
    previous = os.umask(0o022)
    try:
        publish(config, [file_target(page)], WEDNESDAY, dry_run=False)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(page.stat().st_mode) == 0o644  # not mkstemp's 0600


def test_dry_run_writes_nothing_and_returns_the_page(config: Config, tmp_path: Path) -> None:
    page = tmp_path / "times.txt"
    report = publish(config, [file_target(page, "text")], WEDNESDAY, dry_run=True)
    outcome = report.outcomes[0]
    assert outcome.action == "would write" and not page.exists()
    assert outcome.content is not None and outcome.content.startswith("Thank you")
    publish(config, [file_target(page, "text")], WEDNESDAY, dry_run=False)
    again = publish(config, [file_target(page, "text")], WEDNESDAY, dry_run=True)
    assert (again.outcomes[0].action, again.outcomes[0].content) == ("unchanged", None)


def test_write_file_replaces_an_unreadable_page(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_bytes(b"\xff\xfe not utf-8")
    assert write_file(page, "new", "text", dry_run=False) == "written"
    assert page.read_text(encoding="utf-8") == "new"


def test_a_failing_target_does_not_stop_the_others(config: Config, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    good = tmp_path / "times.md"
    targets = [file_target(blocker / "times.html"), file_target(good, "markdown")]
    report = publish(config, targets, WEDNESDAY, dry_run=False)
    failed, written = report.outcomes
    assert failed.action == "failed" and failed.error is not None
    assert f"cannot write {blocker / 'times.html'}" in failed.error
    assert written.action == "written" and good.exists()
    assert report.exit_status is ExitStatus.PARTIAL
    alone = publish(config, targets[:1], WEDNESDAY, dry_run=False)
    assert alone.exit_status is ExitStatus.FAILED


def test_a_bad_template_fails_its_target_only(config: Config, tmp_path: Path) -> None:
    broken = file_target(tmp_path / "a.html", template=str(tmp_path / "missing.tmpl"))
    report = publish(config, [broken, PublishTarget("stdout", "text")], WEDNESDAY, dry_run=False)
    assert "cannot read template" in (report.outcomes[0].error or "")
    assert report.outcomes[1].action == "printed"
    assert (report.outcomes[1].content or "").startswith("Thank you")


def test_target_names_and_selection(config: Config) -> None:
    targets = (
        PublishTarget("file", "html", path="/srv/www/times.html"),
        PublishTarget("sieve", mailbox="support"),
        PublishTarget("stdout", "markdown"),
        PublishTarget("file", "json", path="/srv/api/times.html"),
    )
    configured = dataclasses.replace(config, publish=targets)
    assert [target_name(t) for t in targets] == [
        "times.html",
        "sieve:support",
        "stdout",
        "times.html",
    ]
    assert select_targets(configured, []) == list(targets)
    # A name shared by two targets runs both, in config order.
    assert select_targets(configured, ["times.html"]) == [targets[0], targets[3]]
    with pytest.raises(NotFoundError, match="'www'") as raised:
        select_targets(configured, ["www"])
    assert raised.value.hint == "known: sieve:support, stdout, times.html"


def test_choose_targets(config: Config) -> None:
    configured = dataclasses.replace(
        config, publish=(PublishTarget("file", "html", "ar", path="/tmp/x.html", horizon=60),)
    )
    # One page: the given format, or text; to stdout, or the --output file.
    assert choose_targets(configured, page_format="ics") == [PublishTarget("stdout", "ics", "en")]
    assert choose_targets(configured, output="out.md", page_format="markdown") == [
        PublishTarget("file", "markdown", "en", path="out.md")
    ]
    assert choose_targets(config) == [PublishTarget("stdout", "text", "en")]  # no targets
    # The configured ones, with the command line's overrides.
    (chosen,) = choose_targets(configured, channels=["chat"], language="en")
    assert (chosen.channels, chosen.language, chosen.horizon) == (("chat",), "en", 60)
    with pytest.raises(UsageError, match="one page"):
        choose_targets(configured, names=["x.html"], page_format="html")
    with pytest.raises(UsageError, match="exclude"):
        choose_targets(configured, names=["x.html"], all_targets=True)


def test_next_window_merges_touching_days(config: Config) -> None:
    report = expectations(config, WEDNESDAY, language="en")
    assert next_window(report) == (date(2026, 3, 19), date(2026, 3, 24))
    extra = (
        Period("Inventory", "closure", "riyadh", date(2026, 3, 25), date(2026, 3, 26)),
        Period("Spring", "closure", "riyadh", date(2026, 4, 5), date(2026, 4, 6)),
    )
    email = dataclasses.replace(report.channels[1], periods=report.channels[1].periods + extra)
    merged = dataclasses.replace(report, channels=(report.channels[0], email))
    assert next_window(merged) == (date(2026, 3, 19), date(2026, 3, 26))
    friday = expectations(config, RIYADH.localize(datetime(2026, 1, 9, 12)), language="en")
    assert next_window(friday) is None


def test_sieve_target_sends_text_only(config: Config) -> None:
    target = PublishTarget("sieve", "html", mailbox="support")
    report = publish(config, [target], WEDNESDAY, dry_run=True)
    assert "sends plain text, not html" in (report.outcomes[0].error or "")
    with pytest.raises(ConfigError):
        from supportctl.publish.targets import run_target

        run_target(config, target, WEDNESDAY, dry_run=True)


def sieve_config(config: Config, server: DovecotServer, user: str, **target: object) -> Config:
    mailbox = mailbox_for(
        server,
        user,
        password=server.users[user],
        sieve_port=server.sieve_port,
        addresses=(server.address_of(user),),
    )
    sieve = PublishTarget("sieve", "text", "en", mailbox="support", channels=("email",), **target)  # type: ignore[arg-type]
    return dataclasses.replace(config, mailboxes=(mailbox,), publish=(sieve,))


def server_scripts(server: DovecotServer, user: str) -> dict[str, str]:
    mailbox = mailbox_for(server, user, sieve_port=server.sieve_port)
    with connect_mailbox(mailbox, password=server.users[user]) as client:
        return {entry.name: client.get_script(entry.name) for entry in client.list_scripts()}


def test_sieve_target_uploads_the_reply_for_the_next_window(
    config: Config, dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    configured = sieve_config(config, dovecot, fresh_dovecot_user)
    tuesday = RIYADH.localize(datetime(2026, 3, 10, 11, 0))  # open, Eid nine days ahead
    dry = publish(configured, list(configured.publish), tuesday, dry_run=True)
    assert dry.outcomes[0].action == "would upload"
    assert server_scripts(dovecot, fresh_dovecot_user) == {}
    report = publish(configured, list(configured.publish), tuesday, dry_run=False)
    outcome = report.outcomes[0]
    assert (outcome.target, outcome.kind, outcome.action) == ("sieve:support", "sieve", "uploaded")
    script = server_scripts(dovecot, fresh_dovecot_user)["supportctl"]
    assert script == dry.outcomes[0].content
    # Written as of the window's first day, not as of Tuesday (when the team was open).
    assert "We are closed now and open again on Wednesday 25 March 2026, 09:00 (UTC+3)." in script
    assert "expect a reply by Wednesday 25 March 2026, 17:00 (UTC+3)." in script
    assert '"2026-03-19"' in script and '"2026-03-24"' in script
    again = publish(configured, list(configured.publish), tuesday, dry_run=False)
    assert again.outcomes[0].action == "unchanged"


def test_sieve_failure_is_reported_and_other_targets_run(
    config: Config, dovecot: DovecotServer, fresh_dovecot_user: str, tmp_path: Path
) -> None:
    configured = sieve_config(config, dovecot, fresh_dovecot_user)
    wrong = dataclasses.replace(configured.mailboxes[0], password="wrong")
    configured = dataclasses.replace(configured, mailboxes=(wrong,))
    targets = [*configured.publish, file_target(tmp_path / "times.html")]
    report = publish(configured, targets, WEDNESDAY, dry_run=False)
    assert report.outcomes[0].action == "failed" and "wrong" not in (report.outcomes[0].error or "")
    assert report.outcomes[1].action == "written"
    assert report.exit_status is ExitStatus.PARTIAL
