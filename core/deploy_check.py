"""CI gate: `manage.py check --deploy`, failing on any warning, under the production settings and exactly the
environment .env.example documents (plus a random DJANGO_SECRET_KEY, which it leaves empty on purpose).

Run as `python -m core.deploy_check` (make check does).
"""
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / ".env.example"
_LINE = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def env_example(path: Path = ENV_EXAMPLE) -> tuple[dict, set]:
    """(the variables .env.example sets, every variable it lists, set or commented out with its default)."""
    values, listed = {}, set()
    for line in path.read_text().splitlines():
        match = _LINE.match(line.strip())
        if not match:
            continue
        commented, name, value = match.groups()
        listed.add(name)
        if not commented:
            values[name] = value
    return values, listed


def documented_environment(**overrides) -> dict:
    values, _ = env_example()
    # Nothing else of the calling environment (a test run's or a developer's settings) leaks in.
    system = {name: os.environ[name] for name in ["PATH", "HOME", "LANG", "TMPDIR"] if name in os.environ}
    return {**system, **values, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), **overrides}


def deploy_check(**overrides) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=documented_environment(**overrides), capture_output=True, text=True,
    )


if __name__ == "__main__":
    result = deploy_check()
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    sys.exit(result.returncode)
