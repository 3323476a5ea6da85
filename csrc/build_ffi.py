"""cffi build script: compiles the C core in csrc/ into the extension ``fixpt._libfixpt``.

setup.py names it in ``cffi_modules``; the declarations come straight from the
public header (the part between CDEF BEGIN and CDEF END), so there is one
source of truth for the C interface.
"""
import os
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent
HEADER = HERE / "fixpt.h"


def _cdef_text() -> str:
    text = HEADER.read_text()
    start = text.index("/* CDEF BEGIN */") + len("/* CDEF BEGIN */")
    end = text.index("/* CDEF END */")
    return text[start:end]


def _compile_args() -> tuple[list[str], list[str]]:
    """(compile, link) flags.  Environment switches for CI jobs:

    * ``FIXPT_SANITIZE=1``: AddressSanitizer + UndefinedBehaviorSanitizer, aborting on the
      first report, with ``-fno-wrapv`` (Python's own flags carry ``-fwrapv``, which would
      hide signed overflow);
    * ``FIXPT_PORTABLE=1``: no ``target_clones``, so the baseline (non-AVX2) code is what runs;
    * ``FIXPT_NO_AVX512=1``: no AVX-512 clone, so the AVX2 code runs on AVX-512 machines.
    """
    compile_args = ["-O3", "-std=gnu11", "-fno-math-errno", "-fno-trapping-math",
                    "-ffp-contract=off",  # a*b+c must round twice where the C says so
                    "-pthread"]
    link_args: list[str] = ["-pthread"]
    if os.environ.get("FIXPT_SANITIZE"):
        sanitize = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
        compile_args = [a for a in compile_args if a != "-O3"] + [
            "-O1", "-g", "-fno-omit-frame-pointer", "-fno-wrapv"] + sanitize
        link_args += sanitize
    if os.environ.get("FIXPT_PORTABLE"):
        compile_args.append("-DFIXPT_NO_MULTIVERSION")
    if os.environ.get("FIXPT_NO_AVX512"):
        compile_args.append("-DFIXPT_NO_AVX512")
    return compile_args, link_args


_COMPILE_ARGS, _LINK_ARGS = _compile_args()

ffibuilder = FFI()
ffibuilder.cdef(_cdef_text())
ffibuilder.set_source(
    "fixpt._libfixpt",
    '#include "fixpt.h"',
    sources=[str(p.relative_to(HERE.parent)) for p in sorted(HERE.glob("*.c"))],
    include_dirs=[str(HERE.relative_to(HERE.parent))],
    extra_compile_args=_COMPILE_ARGS,
    extra_link_args=_LINK_ARGS,
    libraries=["m"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
