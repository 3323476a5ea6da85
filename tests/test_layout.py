"""The package's architecture, checked: layers import only downward, no import runs in a
circle, nothing imports inside a function, no function hides a module of the same name, the
C enums have one source, and moved modules keep a warning alias."""
import ast
import importlib
import pkgutil
import warnings
from pathlib import Path

import pytest

import fixpt

ROOT = Path(fixpt.__file__).parent

#: the layers, bottom to top; a module may import its own layer and those below
LAYERS = {"_binding": 0, "_libfixpt": 0, "_dtype": 0, "base": 0, "formats": 1, "convert": 2, "fixed": 3, "floats": 3,
          "diagnostics": 4, "quant": 5, "deploy": 6, "teach": 7,
          "torch": 8, "dask": 8, "cli": 9, "demo": 8, "__init__": 10,
          "calibrate": 10, "train": 10, "nemo": 10, "network": 10, "teaching": 10}
ALIASES = {"calibrate": "fixpt.quant.calibrate", "train": "fixpt.quant.train",
           "nemo": "fixpt.deploy.nemo", "network": "fixpt.deploy.network",
           "teaching": "fixpt.teach.plots"}


def modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS["__init__"] if len(parts) == 1 else LAYERS[parts[1]]


def imports(path: Path, module: str) -> list[tuple[str, bool]]:
    """(imported fixpt module, inside a function?) for every import outside TYPE_CHECKING."""
    tree = ast.parse(path.read_text())
    found = []

    def visit(node, in_function: bool):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            in_function = True
        if isinstance(node, ast.Import):
            found.extend((alias.name, in_function) for alias in node.names if alias.name.startswith("fixpt"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fixpt"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.append((sub if sub in MODULES else node.module, in_function))
        for child in ast.iter_child_nodes(node):
            visit(child, in_function)

    visit(tree, False)
    return found


MODULES = modules()


def test_layers_import_only_downward_and_never_inside_functions():
    for module, path in MODULES.items():
        for target, in_function in imports(path, module):
            assert not in_function or module == "fixpt.torch", f"{module} imports {target} in a function"
            if target == "fixpt":
                continue
            assert layer(target) <= layer(module), f"{module} (layer {layer(module)}) imports " \
                                                   f"{target} (layer {layer(target)})"


def test_no_import_circle():
    graph = {m: {t for t, _ in imports(p, m) if t in MODULES and t != m} for m, p in MODULES.items()}
    # a package imports its own submodules (re-exports): that edge is not a circle
    for m in graph:
        graph[m] = {t for t in graph[m] if not t.startswith(m + ".")}
    assert sum(len(targets) for targets in graph.values()) > 80  # the parser sees the imports
    state: dict = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                raise AssertionError(f"import circle: {' -> '.join(stack[stack.index(nxt):] + [nxt])}")
            if nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in graph:
        if node not in state:
            visit(node, [node])


def test_no_function_hides_a_module_of_the_same_name():
    for info in pkgutil.walk_packages(fixpt.__path__, "fixpt."):
        if info.name.rsplit(".", 1)[-1] in ALIASES or info.name in ("fixpt.torch", "fixpt.dask"):
            continue
        module = importlib.import_module(info.name)
        parent = importlib.import_module(info.name.rsplit(".", 1)[0])
        attribute = getattr(parent, info.name.rsplit(".", 1)[1], module)
        assert attribute is module, f"{info.name} is hidden by {attribute!r}"


@pytest.mark.parametrize("old, new", sorted(ALIASES.items()))
def test_moved_modules_keep_a_warning_alias(old, new):
    with pytest.warns(DeprecationWarning, match=f"fixpt.{old} moved to {new}"):
        moved = getattr(fixpt, old)
    assert moved is importlib.import_module(new)


def test_c_enums_have_one_source():
    from fixpt import RoundMode, OverflowMode, _binding
    from fixpt.formats import floating
    rounding = {k: v for k, v in _binding.enum_values("fixpt_round_mode").items() if not k.startswith("N_")}
    overflow = {k: v for k, v in _binding.enum_values("fixpt_overflow_mode").items() if not k.startswith("N_")}
    assert {m.name: int(m) for m in RoundMode} == rounding
    assert {m.name: int(m) for m in OverflowMode} == overflow
    special = _binding.enum_values("fixpt_special_encoding")
    assert {f"SPECIAL_{k.upper()}": v for k, v in floating._SPECIAL_CODES.items()} == special
    assert set(_binding.OPS) == {"copy", "add", "sub", "mul", "neg", "abs", "div"}


def test_public_names_stay():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in fixpt.__all__:
            assert getattr(fixpt, name) is not None
    assert fixpt.quant.calibrate.kl_threshold and fixpt.quant.train.pact
    assert fixpt.deploy.nemo.requant_parameters and fixpt.deploy.fake_quantize


API_PACKAGES = ["fixpt", "fixpt.formats", "fixpt.convert", "fixpt.fixed", "fixpt.diagnostics",
                "fixpt.quant", "fixpt.quant.calibrate", "fixpt.quant.train", "fixpt.deploy",
                "fixpt.deploy.nemo", "fixpt.teach"]


def api_objects() -> dict:
    import inspect
    found = {}
    for package in API_PACKAGES:
        module = importlib.import_module(package)
        names = getattr(module, "__all__", [n for n in dir(module) if not n.startswith("_")])
        for name in names:
            obj = getattr(module, name)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__.startswith("fixpt"):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


def test_every_public_definition_is_documented_numpydoc_style():
    """A docstring on every public function, class, method and property; functions with
    parameters have a Parameters section; functions and classes have a tested example."""
    import inspect
    problems = []
    for name, obj in api_objects().items():
        doc = inspect.getdoc(obj) or ""
        if not doc:
            problems.append(f"{name}: no docstring")
            continue
        if ">>>" not in doc:
            problems.append(f"{name}: no example")
        if inspect.isfunction(obj) and inspect.signature(obj).parameters and "Parameters" not in doc:
            problems.append(f"{name}: no Parameters section")
        if inspect.isclass(obj):
            for member, value in vars(obj).items():
                if member.startswith("_"):
                    continue
                if isinstance(value, property) and not value.__doc__:
                    problems.append(f"{name}.{member}: property without a docstring")
                elif inspect.isfunction(value) and not value.__doc__:
                    problems.append(f"{name}.{member}(): method without a docstring")
    assert len(api_objects()) > 150
    assert not problems, "\n".join(problems)


def test_the_package_is_typed():
    assert (ROOT / "py.typed").exists()


def test_flag_bits_match_the_c_enum():
    from fixpt import _binding
    from fixpt.base.status import FLAG_BITS
    c_flags = {k.removeprefix("FLAG_").lower(): v for k, v in _binding.enum_values("fixpt_float_flag").items()}
    assert FLAG_BITS == c_flags
