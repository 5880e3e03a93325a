"""vaecore's layout, as its docstring states it: every module in one layer, imports going down
the layers only, the layout table naming every module and package, and nothing else; and no
code outside the models asking a model for its class.

Found by discovery: a new module fails here until it is given a layer and a line in the table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from model_zoo import ZOO, model_classes

import vaecore
from vaecore.losses import is_latent_variable_model

PACKAGE = Path(vaecore.__file__).resolve().parent

#: The layers, lowest first, by the name under ``vaecore`` (a module or a package). A module may
#: import from its own layer and the layers below it, never from one above.
LAYERS = [
    {"checks", "settings", "files", "runtime"},
    {"data", "losses", "checkpoint", "loop_parts"},
    {"models"},
    {"train", "train_gan", "train_mistakes"},
    {"metrics"},
    {"experiments"},
    {"book"},
]
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}


def _modules() -> list[Path]:
    return sorted(
        p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE
    )


def _home(path: Path, root: Path = PACKAGE) -> str:
    """The name under ``vaecore`` that ``path`` belongs to: its package, or the module itself."""
    return path.relative_to(root).with_suffix("").parts[0]


def _imported(path: Path) -> set[str]:
    """The names under ``vaecore`` that ``path`` imports, at any depth of the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] != "vaecore":
                continue
            if len(parts) > 1:
                found.add(parts[1])
            else:  # from vaecore import train, settings
                found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("vaecore.")}
    return found


def upward_imports(paths: list[Path], root: Path = PACKAGE) -> list[str]:
    """Each import of ``paths`` (files of the package at ``root``) that goes up a layer, as
    ``"file -> vaecore.name"``."""
    wrong = []
    for path in paths:
        home = _home(path, root)
        for name in sorted(_imported(path)):
            if LAYER[name] > LAYER[home]:
                wrong.append(f"{path.relative_to(root).as_posix()} -> vaecore.{name}")
    return wrong


def test_every_module_has_a_layer():
    homes = {_home(p) for p in _modules()}
    assert homes - LAYER.keys() == set(), "give these a layer in LAYERS (and the layout table)"
    assert LAYER.keys() - homes == set(), "LAYERS names modules that do not exist"


def test_imports_go_down_the_layers_only():
    assert upward_imports(_modules()) == []


def test_an_upward_import_is_caught_even_inside_a_function(tmp_path):
    copy = tmp_path / "models" / "vae.py"
    copy.parent.mkdir()
    text = (PACKAGE / "models" / "vae.py").read_text(encoding="utf-8")
    copy.write_text(text + "\n\ndef later():\n    from vaecore.train import fit\n")
    assert upward_imports([copy], root=tmp_path) == ["models/vae.py -> vaecore.train"]


#: What the experiment recipes share; a recipe imports these and never another recipe.
SHARED_EXPERIMENTS = {"image_models", "parallel"}


def recipes_importing_recipes(paths: list[Path]) -> list[str]:
    """Each import of one experiment recipe by another among ``paths``, as ``"file -> name"``:
    only the shared modules (:data:`SHARED_EXPERIMENTS`) may be imported by a recipe."""
    wrong = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.module is None:
                continue
            if node.module == "vaecore.experiments":  # from vaecore.experiments import a, b
                names = {alias.name for alias in node.names}
            elif node.module.startswith("vaecore.experiments."):
                names = {node.module.split(".")[2]}
            else:
                continue
            wrong += [f"{path.name} -> {n}" for n in sorted(names - SHARED_EXPERIMENTS)]
    return wrong


def test_no_experiment_recipe_imports_another():
    recipes = sorted((PACKAGE / "experiments").glob("*.py"))
    assert SHARED_EXPERIMENTS <= {p.stem for p in recipes}
    assert recipes_importing_recipes(recipes) == []


def test_a_recipe_importing_another_is_caught(tmp_path):
    planted = tmp_path / "attention.py"
    planted.write_text(
        "from vaecore.experiments.image_models import Trained\n"
        "from vaecore.experiments import parallel, side_by_side\n"
        "from vaecore.experiments.gan_vs_vae import GANS\n"
    )
    assert recipes_importing_recipes([planted]) == [
        "attention.py -> side_by_side",
        "attention.py -> gan_vs_vae",
    ]


def test_the_layout_table_names_every_module_and_package():
    """The table of ``vaecore/__init__.py``'s docstring: a row for each name under vaecore."""
    doc = vaecore.__doc__ or ""
    rows = set(re.findall(r"^``(\w+)/?``", doc, flags=re.M))
    assert rows == LAYER.keys(), (
        f"missing from the table: {sorted(LAYER.keys() - rows)}; "
        f"in the table but not in vaecore: {sorted(rows - LAYER.keys())}"
    )


@pytest.mark.parametrize(
    "package",
    sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()),
)
def test_the_table_names_each_packages_modules(package):
    """A package's row names each of its modules (``models/``: ``autoencoder``, ``vae``...)."""
    doc = vaecore.__doc__ or ""
    row = re.search(rf"^``{package}/``(.*?)(?=^``|\Z|^=)", doc, flags=re.M | re.S)
    assert row, f"no row for {package}/"
    modules = {p.stem for p in (PACKAGE / package).glob("*.py") if p.stem != "__init__"}
    missing = {m for m in modules if f"``{m}``" not in row.group(1)}
    assert missing == set(), f"the row of {package}/ does not name {sorted(missing)}"


def _model_classes() -> set[str]:
    """The names of the networks vaecore.models defines (``model_zoo.model_classes``)."""
    return {key.split(":")[1] for key in model_classes()}


def type_checks_of_models(paths: list[Path], models: set[str]) -> list[str]:
    """Each ``isinstance(x, C)`` in ``paths`` whose ``C`` (or one of a tuple) is a model class:
    ``"file:line isinstance(..., C)"``."""
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance"):
                continue
            if len(node.args) != 2:
                continue
            kinds = node.args[1].elts if isinstance(node.args[1], ast.Tuple) else [node.args[1]]
            for kind in kinds:
                name = kind.attr if isinstance(kind, ast.Attribute) else getattr(kind, "id", "")
                if name in models:
                    found.append(f"{path.name}:{node.lineno} isinstance(..., {name})")
    return found


def test_no_code_outside_the_models_asks_a_model_for_its_class():
    """Loops and measurements ask a model for what it can do (its own ``train_step``;
    :func:`vaecore.losses.is_latent_variable_model`), never for its class."""
    models = _model_classes()
    assert {"VAE", "VAEGAN", "Generator", "Autoencoder"} <= models
    outside = [p for p in _modules() if _home(p) != "models"]
    assert type_checks_of_models(outside, models) == []


def test_a_type_check_of_a_model_is_caught(tmp_path):
    planted = tmp_path / "measure.py"
    planted.write_text("def f(m):\n    return isinstance(m, (int, models.vae.VAE))\n")
    assert type_checks_of_models([planted], _model_classes()) == [
        "measure.py:2 isinstance(..., VAE)"
    ]


@pytest.mark.parametrize("name", sorted(ZOO))
def test_a_model_says_whether_its_likelihood_can_be_bounded(name):
    """What measuring code asks instead of a model's class: every VAE can have its
    ``-log p(x)`` bounded, and no autoencoder, GAN player, VAE-GAN or classifier can."""
    vae = "VAE" in name and not name.startswith("VAEGAN")
    assert is_latent_variable_model(ZOO[name]()) == vae


#: CONTRIBUTING's length: a module longer says in its docstring why it is not split.
LONG = 350


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_a_long_module_says_why_it_is_one_file(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    if lines > LONG:
        assert "longer than contributing's 350" in " ".join(doc.split()).lower(), (
            f"{lines} lines: say in the docstring why it is one file, in a sentence that begins "
            '"Longer than CONTRIBUTING\'s 350 lines: ", or split it'
        )


def _targets(node: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return node.targets if isinstance(node, ast.Assign) else [node.target]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_a_module_lists_its_public_names_and_only_its_own(path):
    """``__all__``: every public function, class and constant the module defines, and nothing it
    only imports (that has its own home, where the API appendix documents it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    defined = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            defined += [t.id for t in _targets(node) if isinstance(t, ast.Name)]
    listed = [
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        and node.value is not None
        and "__all__" in [getattr(t, "id", "") for t in _targets(node)]
    ]
    assert len(listed) == 1, "give the module one __all__"
    public = [n for n in dict.fromkeys(defined) if not n.startswith("_")]
    assert sorted(listed[0]) == sorted(public), (
        f"not listed: {sorted(set(public) - set(listed[0]))}; "
        f"listed but not defined here: {sorted(set(listed[0]) - set(public))}"
    )
