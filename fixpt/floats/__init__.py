"""Float arithmetic in any binary format, rounded once: ``add``, ``subtract``, ``multiply``,
``divide``, ``sqrt``, ``fma`` and ``convert`` between formats, with the IEEE 754 flags.

Examples
--------
>>> from fixpt import floats
>>> floats.add(1.0, 2.0**-24, "binary32", rounding="ceil").item()
1.0000001192092896
"""
from fixpt.floats.arith import add, convert, divide, fma, is_value, multiply, sqrt, subtract

__all__ = ["add", "subtract", "multiply", "divide", "sqrt", "fma", "convert", "is_value"]
