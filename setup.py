"""Ship the top-level `sql/` and `config/` folders inside the wheel, as `tpbis/_resources/`.

Everything else is in pyproject.toml. In a checkout the folders are used where they are;
an installed wheel finds its copies with importlib.resources (tpbis.settings).
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RESOURCES = ("sql", "config")


class BuildPyWithResources(build_py):
    def run(self):
        super().run()
        here = Path(__file__).resolve().parent
        for name in RESOURCES:
            target = Path(self.build_lib) / "tpbis" / "_resources" / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(here / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithResources})
