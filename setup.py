"""Build entry point: project metadata lives in pyproject.toml; this file hooks in the two
compiled parts: the cffi extension (the C core in csrc/) and the NumPy dtype extension
(csrc/dtype/, which calls the core through the function table fixpt._binding hands it)."""
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

sys.path.insert(0, str(Path(__file__).resolve().parent / "csrc"))
from build_ffi import _COMPILE_ARGS, _LINK_ARGS

dtype_extension = Extension(
    "fixpt._dtype",
    sources=sorted(str(p) for p in Path("csrc/dtype").glob("*.c")),
    include_dirs=[numpy.get_include(), "csrc"],
    extra_compile_args=_COMPILE_ARGS,
    extra_link_args=_LINK_ARGS,
)



class ParallelBuildExt(build_ext):
    """build_ext compiling each extension's C files side by side, one per CPU (the core's
    largest files take most of a build's time; CI builds it several times)."""

    def build_extensions(self) -> None:
        compiler = self.compiler

        def compile(sources, output_dir=None, macros=None, include_dirs=None, debug=0,
                    extra_preargs=None, extra_postargs=None, depends=None):
            macros, objects, extra_postargs, pp_opts, build = compiler._setup_compile(
                output_dir, macros, include_dirs, sources, depends, extra_postargs)
            cc_args = compiler._get_cc_args(pp_opts, debug, extra_preargs)

            def compile_one(obj):
                source, ext = build[obj]
                compiler._compile(obj, source, ext, cc_args, extra_postargs, pp_opts)

            with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
                list(pool.map(compile_one, objects))  # list(): re-raise a failed compile
            return objects

        compiler.compile = compile
        super().build_extensions()


setup(cffi_modules=["csrc/build_ffi.py:ffibuilder"], ext_modules=[dtype_extension],
      cmdclass={"build_ext": ParallelBuildExt})
