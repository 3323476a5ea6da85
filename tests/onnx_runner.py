"""Run one ONNX node on the onnx reference evaluator or on ONNX Runtime (skipping when absent)."""
import numpy as np
import pytest


def run_onnx(node_type, inputs: dict, initializers: dict, attrs=None, opset=21, runtime="reference",
             out_type=None):
    """The node's output; ``inputs`` are graph inputs, ``initializers`` constants (a name
    starting with "_" skips an optional input); ``out_type`` (a dtype) spares ONNX Runtime
    runs the reference evaluator's guess of the output type."""
    onnx = pytest.importorskip("onnx")
    from onnx import helper, numpy_helper
    from onnx.reference import ReferenceEvaluator
    names = [k for k in list(inputs) + list(initializers)]
    node = helper.make_node(node_type, [("" if k.startswith("_") else k) for k in names], ["y"],
                            **(attrs or {}))

    def model_for(out_type):
        graph = helper.make_graph(
            [node], "g",
            [helper.make_tensor_value_info(k, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
             for k, v in inputs.items()],
            [helper.make_tensor_value_info("y", out_type, None)],
            [numpy_helper.from_array(v, k) for k, v in initializers.items() if not k.startswith("_")])
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])

    if runtime == "reference" or out_type is None:
        reference = ReferenceEvaluator(model_for(onnx.TensorProto.UNDEFINED)).run(None, inputs)[0]
        if runtime == "reference":
            return reference
        out_type = reference.dtype
    ort = pytest.importorskip("onnxruntime")
    model = model_for(helper.np_dtype_to_tensor_dtype(np.dtype(out_type)))
    model.ir_version = min(model.ir_version, 10)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, inputs)[0]


def codes(array) -> np.ndarray:
    """The encodings of an ml_dtypes float array, or integer values of an int4/uint4 one."""
    array = np.asarray(array)
    if array.dtype.name.startswith("float") and array.dtype.itemsize == 1 and array.dtype.kind == "V":
        return array.view(np.uint8)
    if array.dtype.name.startswith("float") and array.dtype.name not in ("float16", "float32", "float64"):
        return array.view(np.uint8)
    if array.dtype.name in ("int4", "uint4", "int2", "uint2"):
        return array.astype(np.int16)
    return array
