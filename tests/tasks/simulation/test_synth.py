"""The synthetic county: its files look like real exports, and its truth is what a correct importer can know.

The files are read back with python-calamine and the csv module through a small, strict importer of the tests'
own (tests/synth_helpers.py), and the truth is checked against what that importer finds, rule by rule.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from models.campaign.spec import INSURANCES, Campaign
from tasks.identity.idnumber import (
    REASON_BAD_DATE,
    REASON_EMPTY,
    REASON_EXCEL_NUMBER,
    REASON_ILLEGAL_CHARS,
    birth_date_of,
    is_valid_id,
    sex_of,
    validate_id,
)
from tasks.simulation.synth import SynthSummary, generate_county
from tests.synth_helpers import SourceScan, decode_csv, find_header, read_sheets, scan_source

AS_OF = date(2017, 4, 30)
PERSONS = 2500


@dataclass(frozen=True)
class County:
    out: Path
    summary: SynthSummary
    truth: pd.DataFrame
    counts: dict[str, Any]
    scans: dict[str, SourceScan]


def _generate(campaign: Campaign, out: Path, **options: Any) -> County:
    summary = generate_county(campaign, options.pop("persons", PERSONS), out, as_of=AS_OF, **options)
    truth = pd.read_parquet(summary.truth_path)
    counts = json.loads(summary.counts_path.read_text(encoding="utf-8"))
    scans = {key: scan_source(out / key, source, AS_OF) for key, source in campaign.sources.items()}
    return County(out, summary, truth, counts, scans)


@pytest.fixture(scope="module")
def mixed(campaign: Campaign, tmp_path_factory: pytest.TempPathFactory) -> County:
    return _generate(campaign, tmp_path_factory.mktemp("mixed"), seed=7)


@pytest.fixture(scope="module")
def csv_only(campaign: Campaign, tmp_path_factory: pytest.TempPathFactory) -> County:
    return _generate(campaign, tmp_path_factory.mktemp("csv"), seed=3, formats="csv", persons=2000)


def _all_sheets(county: County) -> list[tuple[str, str, list[list[Any]]]]:
    """(source key, file, rows) for every sheet of every file."""
    found = []
    for key, rels in county.summary.files.items():
        for rel in rels:
            for rows in read_sheets(county.out / rel).values():
                found.append((key, rel, rows))
    return found


def _id_cells(county: County, campaign: Campaign) -> list[tuple[str, str, Any]]:
    """(source key, file, raw ID cell) of every data row below a header."""
    cells = []
    for key, rel, rows in _all_sheets(county):
        source = campaign.sources[key]
        header = find_header(rows, source)
        if header is None:
            continue
        start, mapping = header
        for row in rows[start + 1 :]:
            if any(str(row[i]).strip() for name, i in mapping.items() if name in source.required):
                cells.append((key, rel, row[mapping["id_number"]]))
    return cells


# ---- files -------------------------------------------------------------------------------------------------


def test_every_source_has_its_files_and_the_register_one_per_township(mixed: County, campaign: Campaign) -> None:
    assert set(mixed.summary.files) == set(campaign.sources)
    for key, rels in mixed.summary.files.items():
        assert rels, key
        on_disk = sorted(p.relative_to(mixed.out).as_posix() for p in (mixed.out / key).iterdir())
        assert sorted(rels) == on_disk
    register = campaign.sources["household"]
    stems = sorted(Path(rel).stem for rel in mixed.summary.files["household"])
    assert stems == sorted(f"{register.name}_{t.name}" for t in campaign.townships)
    assert len(mixed.summary.files["pension_resident"]) == 2
    assert [Path(rel).suffix for rel in mixed.summary.files["medical_resident"]] == [".csv"]
    assert mixed.summary.truth_path == mixed.out / "ground_truth.parquet"
    assert mixed.summary.counts_path == mixed.out / "ground_truth.json"


def test_headers_are_synonyms_from_the_campaign(mixed: County, campaign: Campaign) -> None:
    id_headers: set[str] = set()
    for key, scan in mixed.scans.items():
        assert scan.headers, f"no header found in {key}"
        columns = campaign.sources[key].columns
        synonyms = {s for names in columns.values() for s in names} | {"序号"}
        for header in scan.headers:
            assert set(header) <= synonyms, (key, header)
            id_headers.update(h for h in header if h in columns["id_number"])
    assert len(id_headers) >= 3  # the importer must map synonyms, not one fixed name


def test_mixed_formats_titles_notes_sheets_and_encodings(mixed: County) -> None:
    suffixes = Counter(Path(rel).suffix for rels in mixed.summary.files.values() for rel in rels)
    assert {".xlsx", ".xls", ".csv"} <= set(suffixes)
    encodings = set()
    for rels in mixed.summary.files.values():
        for rel in rels:
            if rel.endswith(".csv"):
                data = (mixed.out / rel).read_bytes()
                encodings.add(decode_csv(data)[1])
    assert encodings == {"gb18030", "utf-8", "utf-8-sig"}
    gb = [rel for rels in mixed.summary.files.values() for rel in rels if rel.endswith(".csv")]
    gb = [rel for rel in gb if decode_csv((mixed.out / rel).read_bytes())[1] == "gb18030"]
    with pytest.raises(UnicodeDecodeError):
        (mixed.out / gb[0]).read_bytes().decode("utf-8")

    multi_sheet = [rel for rels in mixed.summary.files.values() for rel in rels if rel.endswith((".xlsx", ".xls"))]
    assert any(len(read_sheets(mixed.out / rel)) > 1 for rel in multi_sheet)

    titled = notes_made = notes_remark = 0
    for _key, rel, rows in _all_sheets(mixed):
        first = [c for c in rows[0] if str(c).strip()] if rows else []
        if len(first) == 1 and str(first[0]).endswith(("表", "名册")) and not any(str(c).strip() for c in rows[1]):
            titled += rel.endswith(".xlsx")
        texts = [str(row[0]) for row in rows if row]
        notes_made += any(t.startswith("制表人：") and "审核人：" in t for t in texts)
        notes_remark += any(t.startswith("注：") for t in texts)
    assert titled and notes_made and notes_remark
    register_titles = [
        rows[0][0] for key, rel, rows in _all_sheets(mixed) if key == "household" and rows and rows[0][0]
    ]
    assert any(re.fullmatch(r"安溪县.+[镇乡]户籍人员信息表", str(t)) for t in register_titles)


def test_dates_as_text_in_several_styles_and_as_excel_dates(mixed: County, campaign: Campaign) -> None:
    styles: set[str] = set()
    for key, _rel, rows in _all_sheets(mixed):
        source = campaign.sources[key]
        header = find_header(rows, source)
        if header is None:
            continue
        start, mapping = header
        for field in ("birth_date", "death_date", "contract_start"):
            if field not in mapping:
                continue
            for row in rows[start + 1 :]:
                cell = row[mapping[field]]
                if isinstance(cell, date):
                    styles.add("excel")
                elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(cell)):
                    styles.add("iso")
                elif re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2}", str(cell)):
                    styles.add("slash")
                elif re.fullmatch(r"\d{8}", str(cell)):
                    styles.add("compact")
    assert styles == {"excel", "iso", "slash", "compact"}


def test_every_kind_of_mess_appears(mixed: County, campaign: Campaign) -> None:
    cells = _id_cells(mixed, campaign)
    texts = [c for _, _, c in cells if isinstance(c, str)]
    assert any(isinstance(c, float) and rel.endswith(".xlsx") for _, rel, c in cells), "numeric ID cell"
    assert all(rel.endswith(".xlsx") for _, rel, c in cells if isinstance(c, float))
    assert any(re.search("[\uff10-\uff19]", t) for t in texts), "full-width digits"
    assert any(t != t.strip() for t in texts), "leading/trailing spaces"
    assert any(" " in t.strip() for t in texts), "inner spaces"
    assert any(t.strip().endswith("x") for t in texts), "lower-case x"
    assert any(re.fullmatch(r"\d{15}", t) for t in texts), "old 15-digit numbers"
    assert any(re.fullmatch(r"\d\.\d+E\+17", t) for t in texts), "Excel's scientific notation in text"

    reasons: Counter[str] = Counter()
    for _, _, cell in cells:
        check = validate_id(cell if str(cell).strip() else None, as_of=AS_OF)
        if not check.ok:
            reason = check.reason or ""
            reasons[re.sub(r"（.*", "", reason)] += 1
    for reason in (REASON_EMPTY, REASON_EXCEL_NUMBER, REASON_ILLEGAL_CHARS, REASON_BAD_DATE, "校验码错误"):
        assert reasons[reason], reason
    assert any(r.startswith("身份证号长度") for r in reasons)

    # empty required cells with a valid ID: a missing name, and a missing village or employer
    empty_name = empty_other = 0
    for key, _rel, rows in _all_sheets(mixed):
        source = campaign.sources[key]
        header = find_header(rows, source)
        if header is None:
            continue
        start, mapping = header
        for row in rows[start + 1 :]:
            if not validate_id(row[mapping["id_number"]], as_of=AS_OF).ok:
                continue
            empty_name += not str(row[mapping["name"]]).strip()
            empty_other += any(
                not str(row[mapping[f]]).strip() for f in source.required if f not in ("id_number", "name")
            )
    assert empty_name and empty_other

    blank_rows_inside = 0
    for key, _rel, rows in _all_sheets(mixed):
        header = find_header(rows, campaign.sources[key])
        if header is None:
            continue
        body = rows[header[0] + 1 :]
        last = max((i for i, row in enumerate(body) if str(row[header[1]["id_number"]]).strip()), default=-1)
        blank_rows_inside += sum(1 for row in body[:last] if not any(str(c).strip() for c in row))
    assert blank_rows_inside
    assert sum(scan.duplicates for scan in mixed.scans.values()) > 0


# ---- bookkeeping: what was written is what the summary says ----------------------------------------------


def _check_bookkeeping(county: County) -> None:
    for key, scan in county.scans.items():
        assert scan.rows == county.summary.rows_written[key], key
        assert scan.rejects == county.summary.expected_rejects[key], key
        assert scan.duplicates == county.summary.expected_duplicates[key], key
    assert county.counts["rows_written"] == county.summary.rows_written
    assert county.counts["expected_rejects"] == county.summary.expected_rejects
    assert county.counts["expected_duplicates"] == county.summary.expected_duplicates
    register = set(county.scans["household"].accepted)
    assert set(county.truth["id_number"]) == register
    assert county.summary.persons == len(county.truth) == county.counts["persons"]
    elsewhere = set().union(*(set(s.accepted) for k, s in county.scans.items() if k != "household"))
    assert county.counts["outside_register"] == len(elsewhere - register) > 0
    assert "outside_register" not in county.counts["anomalies"]


def test_summary_and_counts_match_a_reimport_of_the_files(mixed: County) -> None:
    _check_bookkeeping(mixed)
    assert sum(mixed.summary.expected_rejects.values()) > 0
    assert mixed.summary.expected_rejects["household"] > 0


def test_persons_with_a_rejected_register_row_are_not_in_the_truth(mixed: County) -> None:
    drawn = PERSONS
    assert len(mixed.truth) < drawn  # some register rows were corrupted ...
    assert len(mixed.truth) >= drawn - mixed.summary.expected_rejects["household"]  # ... and only those are missing


# ---- the truth ---------------------------------------------------------------------------------------------


def test_counts_json_has_the_agreed_shape_and_equals_recounts(mixed: County, campaign: Campaign) -> None:
    counts, truth = mixed.counts, mixed.truth
    assert list(counts) == [
        "as_of",
        "persons",
        "categories",
        "missing_by_insurance",
        "anomalies",
        "outside_register",
        "employment",
        "by_township",
        "expected_rejects",
        "expected_duplicates",
        "rows_written",
    ]
    assert counts["as_of"] == "2017-04-30"
    assert counts["persons"] == len(truth) == truth["id_number"].nunique()
    assert counts["categories"] == {
        c: int((truth["category"] == c).sum())
        for c in ("insured_full", "partial", "uninsured", "deceased", "moved_out", "away")
    }
    assert counts["missing_by_insurance"] == {i: int((truth[i] == "missing").sum()) for i in INSURANCES}
    for anomaly in ("duplicate_enrolment", "deceased_enrolled", "inconsistent_identity"):
        assert counts["anomalies"][anomaly] == int(truth[anomaly].sum()) > 0, anomaly
    assert counts["employment"] == {
        e: int((truth["employment_status"] == e).sum())
        for e in ("employed_insured", "employed_uninsured", "working_age_unemployed")
    }
    assert [t["code"] for t in counts["by_township"]] == campaign.township_codes
    for township in counts["by_township"]:
        here = truth[truth["township_code"] == township["code"]]
        assert township == {
            "code": township["code"],
            "persons": len(here),
            "uninsured": int((here["category"] == "uninsured").sum()),
            "partial": int((here["category"] == "partial").sum()),
        }
    assert set(truth["category"]) == {"insured_full", "partial", "uninsured", "deceased"}
    assert set(truth["employment_status"]) == {"", "employed_insured", "employed_uninsured", "working_age_unemployed"}


def test_truth_ids_are_valid_distinct_and_agree_with_sex_and_birth(mixed: County) -> None:
    truth = mixed.truth
    assert truth["id_number"].is_unique
    assert all(is_valid_id(i, as_of=AS_OF) for i in truth["id_number"])
    assert all(i.startswith("350524") for i in truth["id_number"])
    assert all(sex_of(i) == s for i, s in zip(truth["id_number"], truth["sex"], strict=True))
    assert all(birth_date_of(i) == b for i, b in zip(truth["id_number"], truth["birth_date"], strict=True))
    assert list(truth["id_number"]) == sorted(truth["id_number"])
    assert (truth["village_code"].str[:9] == truth["township_code"]).all()


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _parse_date(cell: Any) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = str(cell).strip()
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def test_truth_follows_the_comparison_rules_on_what_an_importer_accepts(mixed: County, campaign: Campaign) -> None:
    rules = campaign.comparison
    assert rules is not None
    on = {key: set(scan.accepted) for key, scan in mixed.scans.items()}
    register = mixed.scans["household"].accepted
    enrolment = [k for k, s in campaign.sources.items() if s.role == "enrolment"]
    for person in mixed.truth.itertuples(index=False):
        pid = person.id_number
        age = _age(person.birth_date, AS_OF)
        dead = pid in on[rules.deaths]
        assert person.age == age
        assert person.deceased == dead
        assert person.student == (pid in on["students"])
        assert person.employed == (pid in on[rules.employment])
        applicable = insured = 0
        for insurance in INSURANCES:
            rule = rules.insurances[insurance]
            applies = not dead and age >= rule.min_age
            applies &= not rule.requires or any(pid in on[k] for k in rule.requires)
            applies &= not any(pid in on[k] for k in rule.excluded_by)
            covered = any(pid in on[k] for k in rule.covered_by)
            expected = "not_applicable" if not applies else ("insured" if covered else "missing")
            assert getattr(person, insurance) == expected, (insurance, person)
            applicable += applies
            insured += applies and covered
        if dead:
            assert person.category == "deceased"
        elif insured == applicable:
            assert person.category == "insured_full"
        else:
            assert person.category == ("uninsured" if insured == 0 else "partial")
        pension_listed = any(pid in on[k] for k in rules.insurances["pension"].covered_by)
        upper = rules.working_age_max_male if sex_of(pid) == "男" else rules.working_age_max_female
        if not dead and person.employed:
            assert person.employment_status == ("employed_insured" if pension_listed else "employed_uninsured")
        elif not dead and not person.student and rules.working_age_min <= age < upper:
            assert person.employment_status == "working_age_unemployed"
        else:
            assert person.employment_status == ""
        assert person.duplicate_enrolment == any(pid in on[a] and pid in on[b] for a, b in rules.duplicate_pairs)
        assert person.deceased_enrolled == (dead and any(pid in on[k] for k in enrolment))
        assert person.subsidised == any(pid in on[k] for k in rules.subsidised)
        (row,) = register[pid]
        assert person.name == row["name"]
        names = {r["name"] for scan in mixed.scans.values() for r in scan.accepted.get(pid, [])}
        contradicts = row["sex"] != sex_of(pid) or _parse_date(row["birth_date"]) != person.birth_date
        assert person.inconsistent_identity == (names != {person.name} or contradicts), person


def test_a_sixteenth_birthday_on_as_of_counts_as_sixteen(mixed: County, csv_only: County) -> None:
    for county in (mixed, csv_only):
        truth = county.truth
        today = truth[truth["birth_date"] == date(2001, 4, 30)]
        tomorrow = truth[truth["birth_date"] == date(2001, 5, 1)]
        assert len(today) and len(tomorrow)
        assert (today["age"] == 16).all() and (tomorrow["age"] == 15).all()
        # the planted one is not a student, so the pension applies to them from today
        planted = today[~today["student"] & ~today["deceased"]]
        assert len(planted) and planted["pension"].isin(["insured", "missing"]).all()
        assert (tomorrow["pension"] == "not_applicable").all()


def test_population_is_plausible(mixed: County, campaign: Campaign) -> None:
    truth = mixed.truth
    assert set(truth["village_code"]) == {v.code for t in campaign.townships for v in t.villages}
    assert 0.45 < (truth["sex"] == "男").mean() < 0.58
    assert truth["age"].between(0, 100).all() and truth["age"].max() >= 85 and truth["age"].min() == 0
    assert 0 < truth["deceased"].sum() < 0.02 * len(truth)
    adults = truth[truth["age"].between(18, 59) & ~truth["deceased"]]
    assert 0.25 < adults["employed"].mean() < 0.55
    pupils = truth[truth["age"].between(7, 14) & ~truth["deceased"]]
    assert pupils["student"].mean() > 0.9
    sizes = truth.groupby("household").size()
    assert sizes.max() <= 6 and sizes.min() >= 1
    assert (truth.groupby("household")["village_code"].nunique() == 1).all()
    assert 0.02 < truth["subsidised"].mean() < 0.12
    register = mixed.scans["household"].accepted
    phones = [rows[0]["phone"] for rows in register.values() if str(rows[0]["phone"]).strip()]
    assert all(re.fullmatch(r"1[3-9]\d{9}", str(p)) for p in phones)
    addresses = [rows[0]["address"] for rows in register.values()]
    assert all(re.fullmatch(r"福建省安溪县.+[镇乡].+\d+号", str(a)) for a in addresses)
    # 户籍所在地 and 现居住地 are two columns: the same place for most, another for some young adults.
    registered = [rows[0]["registered_address"] for rows in register.values()]
    assert all(re.fullmatch(r"福建省安溪县.+[镇乡].+\d+号", str(a)) for a in registered)
    differ = sum(a != r for a, r in zip(addresses, registered, strict=True))
    assert 0 < differ < 0.2 * len(addresses)
    assert {str(rows[0]["household_type"]) for rows in register.values()} == {"农业", "非农业"}


# ---- modes, determinism, arguments ------------------------------------------------------------------------


def test_csv_mode_writes_only_csv_in_utf8_or_gb18030_and_keeps_the_books(csv_only: County) -> None:
    rels = [rel for rels in csv_only.summary.files.values() for rel in rels]
    assert rels and all(rel.endswith(".csv") for rel in rels)
    assert {p.suffix for p in csv_only.out.rglob("*") if p.is_file()} == {".csv", ".parquet", ".json"}
    encodings = {decode_csv((csv_only.out / rel).read_bytes())[1] for rel in rels}
    assert encodings <= {"utf-8", "gb18030"}
    _check_bookkeeping(csv_only)
    assert sum(csv_only.summary.expected_rejects.values()) > 0
    assert sum(csv_only.summary.expected_duplicates.values()) > 0


def test_same_seed_same_truth_other_seed_other_truth(campaign: Campaign, tmp_path: Path) -> None:
    def run(name: str, seed: int) -> tuple[pd.DataFrame, str]:
        summary = generate_county(campaign, 1000, tmp_path / name, seed=seed, formats="csv")
        return pd.read_parquet(summary.truth_path), summary.counts_path.read_text(encoding="utf-8")

    first, again, other = run("a", 11), run("b", 11), run("c", 12)
    pd.testing.assert_frame_equal(first[0], again[0])
    assert first[1] == again[1]
    assert not first[0]["id_number"].equals(other[0]["id_number"])
    assert first[1] != other[1]


def test_without_mess_nothing_is_rejected_but_anomalies_remain(campaign: Campaign, tmp_path: Path) -> None:
    county = _generate(campaign, tmp_path, persons=1500, seed=5, mess=False)
    assert set(county.summary.expected_rejects.values()) == {0}
    assert set(county.summary.expected_duplicates.values()) == {0}
    _check_bookkeeping(county)
    assert county.summary.persons == 1500
    assert all(county.counts["anomalies"][a] > 0 for a in county.counts["anomalies"])


def test_progress_is_reported_and_bad_arguments_are_refused(campaign: Campaign, tmp_path: Path) -> None:
    stages: list[tuple[str, int]] = []
    generate_county(campaign, 600, tmp_path / "p", formats="csv", progress=lambda s, n: stages.append((s, n)))
    names = [s for s, _ in stages]
    assert names[0] == "population" and names[-1] == "truth"
    assert any(s.startswith("household/") for s in names)
    with pytest.raises(ValueError, match="formats"):
        generate_county(campaign, 600, tmp_path / "x", formats="pdf")
    with pytest.raises(ValueError, match="villages"):
        generate_county(campaign, 10, tmp_path / "y")


def test_rerun_into_the_same_folder_replaces_the_files(campaign: Campaign, tmp_path: Path) -> None:
    generate_county(campaign, 600, tmp_path, formats="mixed", seed=1)
    summary = generate_county(campaign, 600, tmp_path, formats="csv", seed=1)
    for key, rels in summary.files.items():
        assert sorted(p.name for p in (tmp_path / key).iterdir()) == sorted(Path(r).name for r in rels)
    assert all(r.endswith(".csv") for rels in summary.files.values() for r in rels)


def test_the_exports_are_taken_on_the_eve_of_the_campaigns_survey() -> None:
    """No year in the generator: the default export day follows the campaign file's survey."""
    from models.campaign.spec import load_campaign
    from models.settings import DEFAULT_CAMPAIGN
    from tasks.simulation.synth import export_day

    anxi, _digest = load_campaign(DEFAULT_CAMPAIGN)
    second, _digest = load_campaign(Path(__file__).resolve().parents[2] / "fixtures" / "second-county-2018.toml")
    assert export_day(anxi) == date(2017, 4, 30)
    assert export_day(second) == second.survey_window()[0] - timedelta(days=1)
    assert export_day(second).year == 2018
