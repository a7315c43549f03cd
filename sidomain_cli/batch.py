"""Many profiles in one process: ``sidomain plan A.yaml B.yaml … --output-dir DIR``.

Nothing here prints: :func:`plan_many` plans each profile, writes its report into the
output folder and yields a :class:`Result` per profile, so the command decides what to
show. Playbooks, the method file and the built-in data are parsed once for the run
(``yamlio`` keeps them by content hash); a profile that fails (bad input, an output that
exists) is a failed result with its message, and the others go on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from sidomain_cli.errors import InputError, SidomainError

SUFFIXES = {"text": ".txt", "markdown": ".md", "html": ".html", "pdf": ".pdf", "json": ".json"}
PROFILE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Result:
    profile: Path
    output: Path
    error: str = ""          # ``path:line:col: message`` (a line each); "" when planned
    brand: str = ""
    store_type: str = ""
    operating_model: str = ""
    tasks: int = 0

    @property
    def ok(self) -> bool:
        return not self.error


def expand(paths: list[Path]) -> list[Path]:
    """Files as given; a folder gives its ``*.yaml``/``*.yml`` files (not hidden), sorted."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix in PROFILE_SUFFIXES
                           and not f.name.startswith(".") and f.is_file())
            if not found:
                raise InputError("no .yaml or .yml profiles in this folder", path=str(p))
            out += found
        else:
            out.append(p)
    return out


def targets(profiles: list[Path], output_dir: Path, fmt: str) -> list[Path]:
    """``DIR/<profile stem><suffix>`` for each profile; two profiles with one stem are refused."""
    seen: dict[str, Path] = {}
    out = []
    for p in profiles:
        if p.stem in seen and seen[p.stem] != p:
            raise InputError(f"two profiles would write {p.stem}{SUFFIXES[fmt]} "
                             f"({seen[p.stem]} and {p})", path=str(output_dir),
                             hint="rename one, or plan them into different --output-dir folders")
        seen[p.stem] = p
        out.append(output_dir / f"{p.stem}{SUFFIXES[fmt]}")
    return out


def plan_many(profiles: list[Path], output_dir: Path, *, fmt: str, force: bool,
              plan_one: Callable[[Path], object], render: Callable[[object, Path], str | bytes],
              on_start: Callable[[Path], None] = lambda p: None) -> Iterator[Result]:
    """Plan each profile with ``plan_one``, render it, write it; one result each."""
    from sidomain_cli.output import write_bytes, write_text

    profiles = list(dict.fromkeys(profiles))  # a profile named twice is planned once
    for profile, target in zip(profiles, targets(profiles, output_dir, fmt)):
        on_start(profile)
        try:
            plan = plan_one(profile)
            report = render(plan, profile)
            if isinstance(report, bytes):
                write_bytes(str(target), report, force=force)
            else:
                write_text(str(target), report, force=force)
        except SidomainError as exc:
            yield Result(profile, target, error=exc.format())
            continue
        d = plan.as_dict()
        yield Result(profile, target, brand=d["brand"], store_type=d["store_type"],
                     operating_model=d["operating_model"], tasks=len(d["calendar"]))
