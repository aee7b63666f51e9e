"""The holiday cache: a second run answers from the file without importing the holidays
package, and a cache that cannot be used changes nothing but speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

# Prints the SA and EG holidays of 2026 (with an override), then whether the holidays
# package had to be imported.
PROBE = """
import json, sys
from datetime import date
from supportctl.config.model import HolidayOverride, HolidaySource
from supportctl.timekit.holidays import holiday_days
eid = HolidayOverride("Eid al-Fitr", date(2026, 3, 20), date(2026, 3, 23), name_ar="عيد")
days = {}
for source in (HolidaySource("SA", overrides=(eid,)), HolidaySource("EG")):
    for language in ("en", "ar"):
        for day, holiday in holiday_days(source, [2026], language).items():
            days[f"{source.country} {language} {day}"] = [
                holiday.name, holiday.name_ar, holiday.estimated
            ]
print(json.dumps([days, "holidays" in sys.modules]))
"""


def probe(cache_home: str) -> tuple[dict[str, list[object]], bool]:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={"XDG_CACHE_HOME": cache_home, "PATH": "/usr/bin:/bin", "HOME": cache_home},
    )
    days, imported = json.loads(completed.stdout)
    return days, imported


def test_second_run_reads_the_cache(tmp_path: Path) -> None:
    first, imported_first = probe(str(tmp_path))
    (cache_file,) = (tmp_path / "supportctl").glob("holidays-*.json")
    second, imported_second = probe(str(tmp_path))
    assert (imported_first, imported_second) == (True, False)
    assert second == first
    # The override moved Eid to 20-23 March; the cache keeps the package's own table
    # (Eid from the 19th, estimated), and overrides are applied after it.
    assert first["SA en 2026-03-20"] == ["Eid al-Fitr Holiday", "عيد", False]
    assert "SA en 2026-03-19" not in first
    cached = json.loads(cache_file.read_text(encoding="utf-8"))
    package_table = cached[json.dumps(["SA", None, [], 2026, "en"])]
    assert package_table["2026-03-19"][0][1:] == ["عطلة عيد الفطر", "Eid al-Fitr Holiday", True]


def test_an_unusable_cache_changes_nothing(tmp_path: Path) -> None:
    reference, _ = probe(str(tmp_path / "fresh"))
    unwritable, imported = probe("/dev/null/no-cache-here")
    assert (unwritable, imported) == (reference, True)
    corrupt_home = tmp_path / "corrupt"
    (corrupt_home / "supportctl").mkdir(parents=True)
    for name in (tmp_path / "fresh" / "supportctl").iterdir():
        (corrupt_home / "supportctl" / name.name).write_text("{not json", encoding="utf-8")
    assert probe(str(corrupt_home)) == (reference, True)
    assert probe(str(corrupt_home)) == (reference, False)  # rewritten by the run before
