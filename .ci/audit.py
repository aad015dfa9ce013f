"""Known-vulnerability check of the installed packages, as far as this network allows.

1. ``pip-audit`` (PyPI's advisory data) when it can reach it. Here it cannot: it asks
   ``https://pypi.org/pypi/<name>/<version>/json`` for each package, which the package
   registry proxy answers 404, so pip-audit skips every package ("Dependency not found on
   PyPI") and reports "No known vulnerabilities found" having checked nothing; its other
   service, OSV (api.osv.dev), does not resolve.
2. What does work through the registry: the project-level JSON
   (``https://pypi.org/pypi/<name>/json``) carries a ``vulnerabilities`` list for the
   project's *latest* release. For every installed package that IS the latest release,
   that list is exactly its advisories; packages behind the latest are listed as
   "not audited" (upgrade, or audit them where pip-audit works).

Exit 1 when a known vulnerability is found; audit gaps are printed, not fatal.
    .venv/bin/python .ci/audit.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata


def pip_audit() -> str:
    try:
        out = subprocess.run(
            [sys.executable, "-m", "pip_audit", "--local", "--progress-spinner", "off"],
            capture_output=True,
            text=True,
            timeout=600,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"pip-audit did not run: {exc}"
    text = out.stdout + out.stderr
    skipped = text.count("could not be audited")
    return f"pip-audit: exit {out.returncode}, {skipped} packages skipped as not auditable" + (
        "" if skipped else "\n" + text[-2000:]
    )


def latest_advisories(name: str, version: str):
    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=20) as r:
            data = json.load(r)
    except Exception as exc:  # noqa: BLE001 - reported as a gap
        return name, version, None, f"unreachable ({type(exc).__name__})"
    latest = data["info"]["version"]
    if latest != version:
        return name, version, None, f"not audited: installed {version}, latest {latest}"
    vulns = [v for v in data.get("vulnerabilities") or [] if not v.get("withdrawn")]
    return name, version, vulns, None


def main() -> int:
    print(pip_audit())
    dists = {d.metadata["Name"].lower(): d.version for d in metadata.distributions()}
    dists.pop("matcher", None)  # this project (PyPI's "matcher" is someone else's)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda kv: latest_advisories(*kv), sorted(dists.items())))
    found = [(n, v, x) for n, v, x, gap in results if x]
    gaps = [(n, gap) for n, _, _, gap in results if gap]
    audited = sum(1 for *_, x, gap in results if gap is None)
    print(
        f"registry advisories: {audited} of {len(results)} installed packages audited "
        f"(installed = latest release), {len(found)} with known vulnerabilities"
    )
    for name, version, vulns in found:
        for v in vulns:
            print(
                f"  VULNERABLE {name} {version}: {v.get('id')} {', '.join(v.get('aliases') or [])} "
                f"fixed in {', '.join(v.get('fixed_in') or []) or '?'}"
            )
    for name, gap in gaps:
        print(f"  gap: {name}: {gap}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
