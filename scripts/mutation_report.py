"""Print the mutation score of each rule module from mutmut's results, and list the mutants that survived.

Run from the project root after `mutmut run` (`make mutation` does both). mutmut records, per mutated file,
the exit code of the tests run against each mutant in mutants/<file>.meta (JSON, `exit_code_by_key`); this
script reads those files and mutmut's own table of exit codes, so nothing depends on its screen output.

A survivor that cannot change behaviour is listed in scripts/mutation_equivalent.toml with the change it
makes and the reason; it is then shown as equivalent and left out of its module's score. An entry whose
change no longer matches the mutant of that name (the numbering moved after an edit) is reported as stale
and does not count, so an old reason can never excuse a new mutant.

Score per module: (killed + timeout) / (mutants - equivalent). A timeout is a mutant that made its tests
hang, so it was detected too. Exit status 1 when a module scores below --fail-under (percent).
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT_FILE = ROOT / "scripts" / "mutation_equivalent.toml"
CAUGHT = ("killed", "timeout")


@dataclass
class ModuleResult:
    path: str
    statuses: dict[str, str] = field(default_factory=dict)  # mutant name -> mutmut's status
    equivalent: dict[str, str] = field(default_factory=dict)  # mutant name -> reason
    stale: list[str] = field(default_factory=list)  # equivalent entries that no longer match their mutant

    @property
    def counts(self) -> Counter[str]:
        return Counter("equivalent" if name in self.equivalent else status for name, status in self.statuses.items())

    @property
    def score(self) -> float:
        counts = self.counts
        judged = len(self.statuses) - counts["equivalent"]
        return 100.0 if judged == 0 else 100.0 * sum(counts[s] for s in CAUGHT) / judged

    def survivors(self) -> list[str]:
        return sorted(
            (n for n, s in self.statuses.items() if s not in CAUGHT and n not in self.equivalent), key=_natural
        )


def _natural(name: str) -> tuple[str, int]:
    head, _, number = name.rpartition("__mutmut_")
    return head, int(number) if number.isdigit() else 0


def mutated_files() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    return list(config["only_mutate"])


def one_line_change(name: str, path: str) -> str:
    """The mutant's diff on one line: the removed source, then the added one."""
    diff = get_diff_for_mutant(name, path=path).splitlines()
    removed = [line[1:].strip() for line in diff if line.startswith("-") and not line.startswith("---")]
    added = [line[1:].strip() for line in diff if line.startswith("+") and not line.startswith("+++")]
    return f"{' / '.join(removed)}  ->  {' / '.join(added)}"


def load_module(path: str, equivalents: dict[str, dict[str, str]]) -> ModuleResult | None:
    meta = ROOT / "mutants" / f"{path}.meta"
    if not meta.exists():
        return None
    exit_codes = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
    result = ModuleResult(path, {name: status_by_exit_code[code] for name, code in exit_codes.items()})
    for name, entry in equivalents.items():
        if name not in result.statuses:
            if name.startswith(Path(path).with_suffix("").as_posix().replace("/", ".") + "."):
                result.stale.append(f"{name}: no such mutant any more")
            continue
        if result.statuses[name] in CAUGHT:
            result.stale.append(f"{name}: a test kills it, so it is not equivalent (or the code changed)")
            continue
        change = one_line_change(name, path)
        if change != entry.get("change"):
            result.stale.append(f"{name}: the mutant now changes {change!r}")
            continue
        result.equivalent[name] = entry["reason"]
    return result


def print_report(results: list[ModuleResult], fail_under: float) -> bool:
    columns = ("killed", "survived", "timeout", "no tests", "equivalent")
    header = f"{'module':<32}{'mutants':>8}" + "".join(f"{c:>11}" for c in columns) + f"{'other':>7}{'score':>9}"
    print(header)
    print("-" * len(header))
    ok = True
    for r in results:
        counts = r.counts
        other = len(r.statuses) - sum(counts[c] for c in columns)
        flag = "" if r.score >= fail_under else "  < goal"
        ok &= r.score >= fail_under
        print(
            f"{r.path:<32}{len(r.statuses):>8}"
            + "".join(f"{counts[c]:>11}" for c in columns)
            + f"{other:>7}{r.score:>8.1f}%{flag}"
        )
    for r in results:
        survivors = r.survivors()
        if survivors:
            print(f"\n{r.path}: {len(survivors)} not killed")
            for name in survivors:
                print(f"  {name} [{r.statuses[name]}]  {one_line_change(name, r.path)}")
        for line in r.stale:
            print(f"  stale entry in {EQUIVALENT_FILE.name}: {line}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fail-under", type=float, default=90.0, help="lowest acceptable score per module, %%")
    args = parser.parse_args()
    equivalents = tomllib.loads(EQUIVALENT_FILE.read_text("utf-8")) if EQUIVALENT_FILE.exists() else {}
    results, missing = [], []
    for path in mutated_files():
        loaded = load_module(path, equivalents)
        if loaded is None:
            missing.append(path)
        else:
            results.append(loaded)
    if missing:
        print(f"no mutmut results for {', '.join(missing)}: run `mutmut run` first", file=sys.stderr)
    ok = print_report(results, args.fail_under)
    return 0 if ok and not missing else 1


if __name__ == "__main__":
    raise SystemExit(main())
