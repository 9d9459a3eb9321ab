"""The package loads its public names on first use: ``import voucherify_async`` loads no HTTP stack.

Each check of what a fresh import loads runs in a fresh interpreter (this one has long loaded everything).
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import voucherify_async as vf

INIT = Path(vf.__file__)


def fresh(code: str) -> str:
    """Run ``code`` in a fresh interpreter and return what it printed (its errors fail the test)."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def type_checking_imports() -> dict[str, str]:
    """Name -> module of the imports under ``if TYPE_CHECKING:`` in ``__init__.py`` (what checkers see)."""
    names: dict[str, str] = {}
    for node in ast.parse(INIT.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom)
                assert statement.module is not None
                names.update((alias.name, statement.module) for alias in statement.names)
    return names


def test_importing_the_package_loads_no_http_stack() -> None:
    loaded = fresh(
        "import sys, voucherify_async; print(sorted({'aiohttp', 'yarl', 'cattrs'} & set(sys.modules)))"
    )
    assert loaded == "[]"


def test_using_the_client_loads_the_http_stack() -> None:
    # The check above can fail: a name that needs aiohttp does load it.
    loaded = fresh("import sys, voucherify_async as vf; vf.AsyncVoucherify; print('aiohttp' in sys.modules)")
    assert loaded == "True"


def test_an_order_model_loads_no_http_stack() -> None:
    loaded = fresh(
        "import sys, voucherify_async as vf; vf.Order; vf.read_jsonl; print('aiohttp' in sys.modules)"
    )
    assert loaded == "False"


def test_every_public_name_resolves_to_the_object_of_its_module() -> None:
    origins = vf._MODULE_OF
    for name in vf.__all__:
        if name == "__version__":
            continue
        assert getattr(vf, name) is getattr(importlib.import_module(origins[name]), name), name


def test_all_lists_every_lazy_name_and_the_version() -> None:
    assert sorted(vf.__all__) == sorted([*vf._MODULE_OF, "__version__"])
    assert len(vf.__all__) == len(set(vf.__all__))


def test_checkers_see_the_same_names_from_the_same_modules() -> None:
    assert type_checking_imports() == vf._MODULE_OF


@pytest.mark.parametrize("module", sorted(vf._ORIGINS))
def test_each_module_loads_first_without_an_import_cycle(module: str) -> None:
    # Names load in the order a program first uses them: each module must import cleanly on its own.
    first = vf._ORIGINS[module][0]
    code = f"import voucherify_async as vf; vf.{first}; print(len([getattr(vf, n) for n in vf.__all__]))"
    assert fresh(code) == str(len(vf.__all__))


def test_dir_lists_every_public_name_before_any_is_loaded() -> None:
    listed = fresh("import voucherify_async as vf; print(' '.join(dir(vf)))").split()
    assert set(vf.__all__) <= set(listed)


def test_star_import_gives_every_public_name() -> None:
    count = fresh("from voucherify_async import *; print(len([n for n in dir() if not n.startswith('__')]))")
    assert int(count) == len(vf.__all__) - 1  # __version__ is a dunder


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'AsyncVoucherfy'"):
        vf.AsyncVoucherfy  # type: ignore[attr-defined]  # noqa: B018


def test_importing_an_unknown_name_is_an_import_error() -> None:
    with pytest.raises(ImportError, match="cannot import name 'NoSuchName'"):
        from voucherify_async import NoSuchName  # type: ignore[attr-defined]  # noqa: F401


def test_a_loaded_name_is_kept_in_the_module() -> None:
    loaded = fresh(
        "import voucherify_async as vf; before = 'Order' in vars(vf); vf.Order; "
        "print(before, 'Order' in vars(vf))"
    )
    assert loaded == "False True"
