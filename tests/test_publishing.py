"""Publishing: the book's configuration, Binder and Colab set-up, the deploy workflow, the
bibliography, glossary and API appendix. The browser test (tests/browser/book.test.mjs) checks
the built pages; these check the sources, without building."""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from tool_modules import tool

import vaecore

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO_URL = CONFIG["repository"]["url"]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
PAGES = [ROOT / "intro.md", *sorted((ROOT / "chapters").glob("*.md")), *NOTEBOOKS]


def page_text(path: Path) -> str:
    """A page's Markdown: the file itself, or a notebook's Markdown cells."""
    if path.suffix == ".ipynb":
        return "\n".join(
            c.source for c in nbformat.read(path, 4).cells if c.cell_type == "markdown"
        )
    return path.read_text()


def pins(path: Path) -> dict[str, str]:
    """``name -> version`` of the ``name==version`` lines of a requirements file."""
    out = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if m:
            out[m.group(1).lower()] = m.group(2)
    return out


def test_config_names_the_repository_once_and_turns_on_every_button():
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", REPO_URL)
    assert CONFIG["repository"]["branch"] == "main"
    launch = CONFIG["launch_buttons"]
    assert launch["binderhub_url"] == "https://mybinder.org"
    assert launch["colab_url"] == "https://colab.research.google.com"
    assert launch["thebe"] is True and launch["notebook_interface"] == "jupyterlab"
    html = CONFIG["html"]
    assert all(
        html[k] for k in ("use_repository_button", "use_issues_button", "use_edit_page_button")
    )
    assert (ROOT / CONFIG["logo"]).is_file() and (ROOT / html["favicon"]).is_file()
    assert all((ROOT / f).is_file() for f in CONFIG["bibtex_bibfiles"])


def test_every_notebook_starts_with_the_hidden_colab_cell_for_this_repository():
    assert len(NOTEBOOKS) >= 5
    for path in NOTEBOOKS:
        first = next(c for c in nbformat.read(path, 4).cells if c.cell_type == "code")
        assert "remove-cell" in first.metadata.get("tags", []), path.name
        assert f'"install --quiet git+{REPO_URL}"' in first.source, f"{path.name}: not {REPO_URL}"
        assert 'importlib.util.find_spec("vaecore") is None' in first.source, path.name
        assert "enable_custom_widget_manager" in first.source, path.name


def test_a_slow_machine_does_not_fail_the_build_on_the_cell_time_limit():
    """A cell slow on a busy machine (epochs 7 to 9 times slower) is not broken: the limit per
    cell is at least ten times the slowest whole chapter of the last full build."""
    from vaecore.book import results

    slowest = max(results.load("book")["results"]["full"]["chapter_seconds"].values())
    assert CONFIG["execute"]["timeout"] >= 10 * slowest
    nbval = re.search(r"--nbval-cell-timeout=(\d+)", (ROOT / "pyproject.toml").read_text())
    assert nbval and int(nbval[1]) == CONFIG["execute"]["timeout"]  # make test: the same limit


def test_other_mentions_of_the_repository_match_the_config():
    urls = set()
    for path in [*PAGES, ROOT / "README.md"]:
        urls |= set(re.findall(r"https://github\.com/vaecore/[\w.-]+", path.read_text()))
    assert urls <= {REPO_URL}, f"the repository is named differently somewhere: {urls}"


#: Pins Binder has and the root requirements do not, and why.
BINDER_ONLY = {"jupyterlab-myst": "renders MyST in Binder's JupyterLab 4.4 (not 4.6, the root's)"}

#: repo2docker's Jupyter server stack for Python 3.11, which mybinder.org builds every image on
#: (jupyterhub/repo2docker, repo2docker/buildpacks/conda/environment.py-3.11-linux-64.lock,
#: frozen 2025-10-16, unchanged in the release mybinder.org deploys in 2026): the packages that
#: binder/requirements.txt is installed beside, into the same environment.
SERVER_STACK = {
    "notebook": "7.4.7",
    "jupyterlab": "4.4.9",
    "jupyter-server": "2.17.0",
    "jupyterlab-server": "2.27.3",
    "notebook-shim": "0.2.4",
    "jupyter-lsp": "2.3.0",
    "jupyter-resource-usage": "1.2.0",
    "ipykernel": "7.0.1",
    "ipython": "9.6.0",
    "jupyter-client": "8.6.3",
    "jupyter-core": "5.8.1",
    "traitlets": "5.14.3",
    "tornado": "6.5.2",
    "pyzmq": "27.1.0",
    "comm": "0.2.3",
    "ipywidgets": "8.1.7",
    "jupyterlab-widgets": "3.0.15",
    "widgetsnbextension": "4.0.14",
    "nbformat": "5.10.4",
    "packaging": "25.0",
}

#: What the server stack's packages require of each other and of what Binder pins (from each
#: package's pyproject.toml at its tag): a pin outside these breaks `pip check` (notebook 7.4.7
#: and JupyterLab 4.6, the mistake this replaces).
SERVER_REQUIRES = {
    "notebook": [
        "jupyterlab>=4.4.9,<4.5",
        "jupyter-server>=2.4.0,<3",
        "jupyterlab-server>=2.27.1,<3",
        "notebook-shim>=0.2,<0.3",
        "tornado>=6.2.0",
    ],
    "jupyterlab": [
        "jupyter-server>=2.4.0,<3",
        "jupyterlab-server>=2.27.1,<3",
        "ipykernel>=6.5.0,!=6.30.0",
        "jupyter-lsp>=2.0.0",
        "notebook-shim>=0.2",
        "tornado>=6.2.0",
        "traitlets",
    ],
    "jupyter-server": [
        "tornado>=6.2.0",
        "traitlets>=5.6.0",
        "jupyter-client>=7.4.4",
        "jupyter-core>=4.12,!=5.0.*",
        "pyzmq>=24",
        "nbformat>=5.3.0",
    ],
    "jupyter-resource-usage": ["jupyter-server>=2.0", "pyzmq>=19"],
    # a pin of Binder's own, not installed here: its pyproject.toml at v2.7.0
    "jupyterlab-myst": ["jupyter-server>=2.0.1,<3"],
}


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", requirement).lower()


def binder_conflicts(binder: dict[str, str]) -> list[str]:
    """What `pip check` would report after pip installs ``binder`` (name -> version) into the
    server stack: each pin replaces the stack's version; a requirement of a pin that the stack
    does not meet upgrades that package to the requirement's lowest version; then every
    requirement of the stack and of the pins must hold. A pin's own requirements are read from
    its installed metadata (the root requirements install the same versions here)."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.version import Version

    env = SERVER_STACK | {_name(n): v for n, v in binder.items()}
    requires = {name: [Requirement(r) for r in rs] for name, rs in SERVER_REQUIRES.items()}
    for name, version in binder.items():
        if _name(name) in SERVER_REQUIRES:
            continue
        assert metadata.version(name) == version.split("+")[0], f"{name} here is not Binder's"
        requires[_name(name)] = [
            r
            for r in map(Requirement, metadata.requires(name) or [])
            if r.marker is None or r.marker.evaluate({"extra": ""})
        ]
    for name in binder:
        for req in requires[_name(name)]:
            dep = _name(req.name)
            if dep in env and not req.specifier.contains(env[dep], prereleases=True):
                lowest = [s.version for s in req.specifier if s.operator in (">=", "~=", "==")]
                env[dep] = str(max(map(Version, lowest))) if lowest else env[dep]
    return [
        f"{name} {env[name]} requires {req}, but {env[_name(req.name)]} is installed"
        for name, reqs in requires.items()
        if name in env
        for req in reqs
        if _name(req.name) in env and not req.specifier.contains(env[_name(req.name)], True)
    ]


def test_binder_installs_the_same_pins_with_the_cpu_wheel_of_torch():
    root, binder = pins(ROOT / "requirements.txt"), pins(ROOT / "binder" / "requirements.txt")
    text = (ROOT / "binder" / "requirements.txt").read_text()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text
    assert binder.pop("torch") == root["torch"] + "+cpu"
    assert binder, "binder/requirements.txt pins nothing else"
    for name, version in binder.items():
        if name not in BINDER_ONLY:
            assert root.get(name) == version, (
                f"{name}: binder has {version}, requirements.txt {root.get(name)}"
            )
    for needed in ("ipywidgets", "ipykernel", "numpy", "matplotlib", "scipy", "tqdm"):
        assert needed in binder, f"Binder lacks {needed}"
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    post = ROOT / "binder" / "postBuild"
    assert "pip install --no-cache-dir --no-deps -e ." in post.read_text()
    assert "python -m vaecore.data.sources" in post.read_text(), "Binder would fetch data anew"
    assert post.stat().st_mode & stat.S_IXUSR, "postBuild must be executable"


def test_binder_keeps_repo2dockers_server_and_passes_pip_check():
    binder = pins(ROOT / "binder" / "requirements.txt")
    binder.pop("torch")
    server = {"jupyterlab", "notebook", "jupyter-server", "jupyterlab-server", "jupyterhub"}
    assert not server & {_name(n) for n in binder}, "the Jupyter server is repo2docker's"
    assert binder_conflicts(binder) == []


def test_the_binder_check_finds_the_conflict_it_was_written_for():
    binder = pins(ROOT / "binder" / "requirements.txt")
    binder.pop("torch")
    planted = binder_conflicts(binder | {"jupyterlab": "4.6.6"})
    assert planted == ["notebook 7.4.7 requires jupyterlab<4.5,>=4.4.9, but 4.6.6 is installed"]


def test_the_deploy_workflow_is_valid_and_runs_what_ci_runs():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert set(triggers) >= {"push", "pull_request"}
    jobs = workflow["jobs"]
    test_runs = [s.get("run", "") for s in jobs["test"]["steps"]]
    assert "bash .ci/run" in test_runs, "the test job must run the project's CI script"
    publish = jobs["publish"]
    assert publish["needs"] == "test" and "refs/heads/main" in publish["if"]
    runs = "\n".join(s.get("run", "") for s in publish["steps"])
    uses = [s.get("uses", "") for s in publish["steps"]]
    ci = (ROOT / ".ci" / "run").read_text()
    flags = re.search(r'make book BOOKFLAGS="([^"]+)"', ci).group(1)
    assert f'VAECORE_QUICK=0 make book BOOKFLAGS="{flags}"' in runs, "publish builds unlike CI"
    assert "-W" in flags.split() and "-n" in flags.split()
    assert any(u.startswith("actions/cache@") for u in uses), "no Jupyter cache between runs"
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    # Colab opens the plain notebooks from their branch (tools/plain_notebooks.py)
    plain = tool("plain_notebooks")
    assert f"cd _build/html/{plain.FOLDER}" in runs and f"-b {plain.BRANCH}" in runs
    assert re.search(rf"git push -f .*\b{plain.BRANCH}$", runs, re.M)
    assert publish["permissions"]["contents"] == "write"
    assert runs.index("make book") < runs.index("make pdf") < runs.index("git push")
    assert publish["permissions"]["pages"] == "write"
    for job in jobs.values():
        python = [
            s["with"]["python-version"] for s in job["steps"] if "setup-python" in s.get("uses", "")
        ]
        assert python == ["3.11"], "the workflow's Python differs from CI's and Binder's 3.11"


def test_ci_runs_every_benchmark_in_its_quick_setting():
    """``make bench-quick``, which CI runs, runs every script in benchmarks/ (a new one is found,
    not listed by hand in a test)."""
    makefile = (ROOT / "Makefile").read_text()
    listed = re.search(r"^QUICK_BENCHMARKS = ((?:.*\\\n)*.*)$", makefile, re.M)
    recipe = makefile.split("\nbench-quick:")[1].split("\n\n")[0]
    ran = set(listed.group(1).replace("\\\n", " ").split())
    ran |= set(re.findall(r"(\w+)\.py --quick", recipe))
    scripts = {p.stem for p in (ROOT / "benchmarks").glob("*.py") if not p.name.startswith("_")}
    assert ran == scripts
    assert "make bench-quick" in (ROOT / ".ci" / "run").read_text()


def test_npm_test_runs_every_browser_test_file_once():
    """`make browser-test` (CI) runs `npm test`, whose script names its files: a new
    ``*.test.mjs`` left out of it would never run."""
    import json

    browser = ROOT / "tests" / "browser"
    script = json.loads((browser / "package.json").read_text())["scripts"]["test"].split()
    named = [word for word in script if word.endswith(".test.mjs")]
    files = sorted(p.name for p in browser.glob("*.test.mjs"))
    assert sorted(named) == files and len(set(named)) == len(named), (named, files)
    assert "npm test" in (ROOT / "Makefile").read_text().split("\nbrowser-test:")[1]


def test_the_deploy_cache_key_changes_with_the_mode():
    def key(quick: str) -> str:
        env = {**os.environ, "VAECORE_QUICK": quick}
        return subprocess.run(
            [sys.executable, str(ROOT / "tools" / "chapter_cache.py"), "key"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    assert re.fullmatch(r"[0-9a-f]{16}", key("0"))
    assert key("0") == key("0") != key("1")


def test_every_citation_is_in_the_bibliography_and_every_term_in_the_glossary():
    bib = (ROOT / "references.bib").read_text()
    entries = set(re.findall(r"^@\w+\{([^,]+),", bib, re.M))
    glossary = page_text(ROOT / "chapters" / "glossary.md")
    terms = {
        t.strip().lower()
        for t in re.findall(r"^(\S[^\n]*)\n  \S", glossary.split("```{glossary}")[1], re.M)
    }
    cited, used = set(), set()
    for path in PAGES:
        text = page_text(path)
        cited |= {
            k.strip() for m in re.findall(r"\{cite:[pt]\}`([^`]+)`", text) for k in m.split(",")
        }
        used |= {
            m.split("<")[-1].rstrip(">").strip().lower()
            for m in re.findall(r"\{term\}`([^`]+)`", text)
        }
    assert len(cited) >= 15 and cited <= entries, (
        f"cited but not in references.bib: {cited - entries}"
    )
    for key in (
        "kingma2014",
        "rezende2014",
        "burda2016",
        "higgins2017",
        "goodfellow2014",
        "radford2016",
        "srivastava2017",
        "lin2018",
        "chung2015",
        "lake2015",
        "ha2017",
        "lecun1998",
        "xiao2017",
    ):
        assert key in cited, f"{key} is never cited"
    assert used and used <= terms, f"terms used but not in the glossary: {used - terms}"


def _defines_something(module) -> bool:
    """Whether a package's __init__ defines a function or a class of its own."""
    return any(
        getattr(v, "__module__", None) == module.__name__
        for v in vars(module).values()
        if callable(v)
    )


def test_the_api_appendix_covers_every_vaecore_module():
    """The appendix is generated (``tools/api_appendix.py``): the page holds the directive, and
    the directive documents every module once, and every package whose ``__init__`` holds code
    (vaecore.book.results); the package's own docstring, the layout, opens the page."""
    page = (ROOT / "chapters" / "appendix-api.md").read_text()
    assert ".. vaecore-api::" in page and ".. automodule::" not in page
    sections = tool("api_appendix").api_sections()
    documented = [m for _, modules in sections for m in modules]
    assert len(documented) == len(set(documented)), "a module documented twice"
    modules = {
        m.name
        for m in pkgutil.walk_packages(vaecore.__path__, "vaecore.")
        if not m.name.split(".")[-1].startswith("_")
        and (not m.ispkg or _defines_something(importlib.import_module(m.name)))
    }
    assert sections[0] == ("vaecore", ["vaecore"])
    assert modules | {"vaecore"} == set(documented), (
        f"missing: {modules - set(documented)}; unknown: {set(documented) - modules - {'vaecore'}}"
    )
    for name in modules:  # each imports, so autodoc can read it
        importlib.import_module(name)


def test_the_api_appendix_follows_the_layout_table():
    """One section per row of the table in ``vaecore/__init__.py``, in its order, and in a
    package's section its modules in the order the row names them."""
    titles = [title for title, _ in tool("api_appendix").api_sections()]
    rows = re.findall(r"^``(\w+)/?``", (vaecore.__doc__ or "").split("\n====")[1], re.M)
    assert titles == ["vaecore"] + [f"vaecore.{row}" for row in rows]
    models = dict(tool("api_appendix").api_sections())["vaecore.models"]
    assert models[:3] == [f"vaecore.models.{m}" for m in ("autoencoder", "vae", "mistakes")]


CHAPTERS = [p for p in NOTEBOOKS if not p.name.startswith("appendix")]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_chapter_ends_with_exercises_whose_solutions_are_toggled(path):
    text = page_text(path)
    assert "## Exercises" in text, path.name
    exercises = text.split("## Exercises")[1]
    items = re.findall(r"^\d+\. \*\*", exercises, re.M)
    solutions = re.findall(r"^   :::\{admonition\} Solution\n   :class: dropdown$", exercises, re.M)
    assert len(items) >= 3 and len(solutions) == len(items), (
        f"{path.name}: {len(items)} exercises, {len(solutions)} solutions"
    )


def test_one_version_in_one_place_with_its_changelog_entry():
    assert 'dynamic = ["version"]' in (ROOT / "pyproject.toml").read_text()
    assert f"\n## {vaecore.__version__}\n" in (ROOT / "CHANGELOG.md").read_text()
    for name in ("CONTRIBUTING.md", "CHANGELOG.md"):
        assert name in (ROOT / "README.md").read_text(), f"the README does not point to {name}"
