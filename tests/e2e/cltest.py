"""`import cltest` for the scripts in tests/e2e: loads the test toolkit, the
package tests/cltest/, under the name cltest (this file then stands for it:
the import system hands out what sys.modules holds once this has run)."""

import importlib.util
import os
import sys

_PKG = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cltest")
_spec = importlib.util.spec_from_file_location(
    __name__, os.path.join(_PKG, "__init__.py"), submodule_search_locations=[_PKG])
_mod = importlib.util.module_from_spec(_spec)
sys.modules[__name__] = _mod
_spec.loader.exec_module(_mod)
