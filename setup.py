"""Build entry point: project metadata lives in pyproject.toml; this file only
hooks the cffi extension (the C core in csrc/) into the build."""
from setuptools import setup

setup(cffi_modules=["csrc/build_ffi.py:ffibuilder"])
