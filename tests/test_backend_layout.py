"""Every backend package has the spec's module map, and ops live nowhere else.

"Where is op X on backend Y?" has one answer: ``backends/kerafront_Y/<MODULE_MAP[section of X]>``.
The check reads the source (no framework is imported), so it runs for all four backends everywhere.
"""

import ast
import pathlib

import pytest

from kerafront import spec

BACKENDS = pathlib.Path(__file__).resolve().parent.parent / "backends"
PACKAGES = ("kerafront_numpy", "kerafront_torch", "kerafront_jax", "kerafront_tensorflow")
REQUIRED_SECTIONS = ("creation", "elementwise", "comparison", "reduction", "linalg", "shape", "nn", "random",
                     "autodiff", "compile", "control_flow", "device")

# name -> the section (a key of spec.MODULE_MAP) where a backend must define it, if it defines it.
HOMES = {name: fn.category for name, fn in spec.PRIMITIVES.items()}
HOMES.update({name: "device" for name in spec.BACKEND_HOOKS})
HOMES.update({name: "fused" for name in spec.OVERRIDABLE_COMPOSITES})
HOMES.update({"fused_optimizer_update": "optim", "prepare_for_training": "device",
              "compiled_functions_take_numpy": "compile", "step_mode": "compile", "variable_storage": "device",
              "inference_scope": "autodiff"})


def _section_of(path, package):
    """``_nn.py`` and ``_nn/pool.py`` both belong to section module ``_nn``; ``__init__.py`` to ``__init__``."""
    return path.relative_to(package).parts[0].removesuffix(".py")


def _top_level_definitions(path):
    """Names a module binds at top level by ``def``/``class`` or assignment (imports are not definitions)."""
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name):
                        names.add(leaf.id)
    return names


def _homes(package):
    """name -> list of section modules that define it, for every name in ``HOMES``. ``_distribute``
    implements the distribution engine protocol, not ops: its ``list_devices`` is that protocol's."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        section = _section_of(path, package)
        if section == "_distribute":
            continue
        for name in _top_level_definitions(path) & HOMES.keys():
            found.setdefault(name, []).append(section)
    return found


@pytest.mark.parametrize("package_name", PACKAGES)
def test_backend_has_the_module_map(package_name):
    package = BACKENDS / package_name
    present = {_section_of(path, package) for path in package.rglob("*.py")}
    missing = [spec.MODULE_MAP[s] for s in REQUIRED_SECTIONS if spec.MODULE_MAP[s] not in present]
    assert not missing, f"{package_name} lacks the section modules {missing} (spec.MODULE_MAP)"


@pytest.mark.parametrize("package_name", PACKAGES)
def test_every_op_lives_in_its_section(package_name):
    homes = _homes(BACKENDS / package_name)
    problems = []
    for name, sections in sorted(homes.items()):
        expected = spec.MODULE_MAP[HOMES[name]]
        if sections != [expected]:
            problems.append(f"{name}: defined in {sections}, expected only in {expected}")
    for name in spec.PRIMITIVES:
        if name not in homes:
            problems.append(f"{name}: not defined at top level of any module (expected in "
                            f"{spec.MODULE_MAP[HOMES[name]]})")
    assert not problems, f"{package_name}:\n" + "\n".join(problems)


def test_the_check_sees_a_misplaced_op(tmp_path):
    package = tmp_path / "kerafront_fake"
    (package / "_nn").mkdir(parents=True)
    (package / "_reduction.py").write_text("def matmul(x1, x2):\n    return x1 @ x2\n")
    (package / "_nn" / "pool.py").write_text("max_pool = None\n")
    assert _homes(package) == {"matmul": ["_reduction"], "max_pool": ["_nn"]}
