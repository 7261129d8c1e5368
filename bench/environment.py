"""Where a benchmark ran: CPU, Python and the versions of the packages it measured."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from typing import Any, Final

#: Distributions whose versions go into every result file.
PACKAGES: Final = (
    *("erlen", "flask", "werkzeug", "falcon", "bottle", "jinja2", "markupsafe"),
    *("starlette", "litestar", "msgspec", "fastapi", "pydantic"),
)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def package_versions() -> dict[str, str]:
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def environment_info() -> dict[str, Any]:
    return {
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "python_build": " ".join(platform.python_build()),
        "packages": package_versions(),
    }
