"""Packaging: a light import, the public names, the private compiled module,
the CUDA probe, and the typing files shipped with the package."""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import evonas

HEAVY_MODULES = ("torch", "cupy", "ray", "numba")
KERNELS = (
    "non_dominated_sort",
    "nondominated",
    "crowding_distance",
    "hypervolume",
    "hv_contributions",
    "hypervolume_mc",
)


def run_python(code: str, extra_path: Path | None = None, **env: str) -> str:
    """Run `code` in a fresh interpreter with this process's sys.path."""
    paths = [str(extra_path)] if extra_path else []
    paths += [p for p in sys.path if p]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(paths), **env}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_does_not_load_heavy_frameworks(tmp_path):
    # Importable stand-ins, so that an import of any of them (even one
    # guarded by try/except ImportError) shows up in sys.modules.
    for name in HEAVY_MODULES:
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    code = (
        "import json, sys\n"
        "import evonas\n"
        f"print(json.dumps(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules)))\n"
    )
    assert json.loads(run_python(code, extra_path=tmp_path)) == []
    # The stand-ins are importable, so the check above could have failed.
    probe = (
        "import json, sys, torch, cupy, ray, numba\n"
        f"print(json.dumps(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules)))\n"
    )
    assert json.loads(run_python(probe, extra_path=tmp_path)) == sorted(HEAVY_MODULES)


def test_all_names_exist():
    assert len(set(evonas.__all__)) == len(evonas.__all__)
    for name in evonas.__all__:
        assert hasattr(evonas, name), name
    assert set(KERNELS) | {"cuda", "__version__"} <= set(evonas.__all__)
    assert "_core" not in evonas.__all__


def test_version_matches_pyproject():
    tomllib = pytest.importorskip("tomllib")
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    assert evonas.__version__ == tomllib.loads(pyproject.read_text())["project"]["version"]


def test_compiled_module_is_private():
    core = evonas._core
    assert Path(core.__file__).suffix in (".so", ".pyd")
    assert core.__name__ == "evonas._core"


@pytest.mark.parametrize("name", KERNELS)
def test_public_functions_are_documented_python_wrappers(name):
    func = getattr(evonas, name)
    assert inspect.isfunction(func), f"evonas.{name} should be the Python wrapper, not the compiled function"
    assert func.__module__ in ("evonas.pareto", "evonas.indicators")
    assert func is not getattr(evonas._core, name, None)
    doc = inspect.getdoc(func)
    assert doc and "Parameters" in doc and "Returns" in doc
    params = inspect.signature(func).parameters
    assert params["F"].kind is inspect.Parameter.POSITIONAL_ONLY
    assert params["n_threads"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["n_threads"].default is None


def test_cuda_probe_types():
    assert isinstance(evonas.cuda.is_available(), bool)
    assert isinstance(evonas.cuda.is_compiled(), bool)
    count = evonas.cuda.device_count()
    assert isinstance(count, int) and count >= 0
    if not evonas.cuda.is_compiled():
        assert count == 0
    assert evonas.cuda.is_available() == (evonas.cuda.is_compiled() and count > 0)


def test_cuda_unavailable_without_devices():
    code = "import evonas; print(evonas.cuda.is_available(), evonas.cuda.device_count())"
    assert run_python(code, CUDA_VISIBLE_DEVICES="") == "False 0"


def test_typing_files_shipped():
    package_dir = Path(evonas.__file__).resolve().parent
    assert (Path(evonas.__file__).parent / "py.typed").is_file()
    assert (Path(evonas.__file__).parent / "_core.pyi").is_file()
    assert package_dir.name == "evonas"


def test_core_stub_lists_every_compiled_function():
    stub = Path(evonas.__file__).parent / "_core.pyi"
    tree = ast.parse(stub.read_text())
    stubbed = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    core = evonas._core
    compiled = {name for name in dir(core) if not name.startswith("_") and callable(getattr(core, name))}
    assert stubbed == compiled
