"""The one thing pyproject.toml cannot say: ship the top-level `templates/` inside the wheel.

The templates stay at the top of the repository; the wheel carries them as `coalition/templates/`
(package data of a mapped package, one package per folder), where `coalition.paths` finds them.
Everything else about the build is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[
        *find_namespace_packages(include=["coalition*", "events*", "projections*", "bench*"]),
        "coalition.templates",
        *(f"coalition.templates.{name}" for name in find_namespace_packages(where="templates")),
    ],
    package_dir={"coalition.templates": "templates"},
)
