"""Build entry point: project metadata lives in pyproject.toml; this file hooks in the two
compiled parts: the cffi extension (the C core in csrc/) and the NumPy dtype extension
(csrc/dtype/, which calls the core through the function table fixpt._binding hands it)."""
import sys
from pathlib import Path

import numpy
from setuptools import Extension, setup

sys.path.insert(0, str(Path(__file__).resolve().parent / "csrc"))
from build_ffi import _COMPILE_ARGS, _LINK_ARGS

dtype_extension = Extension(
    "fixpt._dtype",
    sources=sorted(str(p) for p in Path("csrc/dtype").glob("*.c")),
    include_dirs=[numpy.get_include(), "csrc"],
    extra_compile_args=_COMPILE_ARGS,
    extra_link_args=_LINK_ARGS,
)

setup(cffi_modules=["csrc/build_ffi.py:ffibuilder"], ext_modules=[dtype_extension])
