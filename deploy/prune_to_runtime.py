"""Uninstall every distribution that the installed `telegram-frontend` does not need to run.

requirements.lock pins the development tools too (pytest, mypy, ruff, playwright, ...). The image
installs the whole lock hash-checked, then keeps only what the package's own requirements reach
(with their extras and environment markers), so the list of what to drop is never kept by hand.

    python deploy/prune_to_runtime.py telegram-frontend [--dry-run]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ALWAYS_KEPT = {"pip"}


def runtime_closure(root: str) -> set[str]:
    """Canonical names of `root` and everything its requirements reach in this environment."""
    needed: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    queue: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    while queue:
        name, extras = queue.pop()
        key = (canonicalize_name(name), extras)
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            print(f"prune: {name} is required but not installed", file=sys.stderr)
            continue
        needed.add(canonicalize_name(dist.metadata["Name"]))
        for spec in dist.requires or []:
            requirement = Requirement(spec)
            marker = requirement.marker
            if marker is not None and not any(
                marker.evaluate({"extra": extra}) for extra in (extras or {""})
            ):
                continue
            queue.append((requirement.name, frozenset(requirement.extras)))
    return needed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", help="the distribution whose run-time needs are kept")
    parser.add_argument("--dry-run", action="store_true", help="only print what would go")
    args = parser.parse_args(argv)
    keep = runtime_closure(args.package) | ALWAYS_KEPT
    if canonicalize_name(args.package) not in keep:
        print(f"prune: {args.package} is not installed; nothing removed", file=sys.stderr)
        return 1
    installed = {canonicalize_name(d.metadata["Name"]) for d in metadata.distributions()}
    drop = sorted(installed - keep)
    print(f"prune: keeping {len(keep & installed)} distributions, removing {len(drop)}")
    if drop and not args.dry_run:
        pip = [sys.executable, "-m", "pip", "uninstall", "-y", "-q", *drop]
        subprocess.run(pip, check=True)  # noqa: S603 - our own interpreter, installed names
    print("\n".join(f"  - {name}" for name in drop))
    return 0


if __name__ == "__main__":
    sys.exit(main())
