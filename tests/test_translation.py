"""The Chinese edition (tools/translation.py, tools/book_i18n.py): a translation that loses a
formula, a number, a code span, a link target or its markup is caught; computed outputs and
docstrings stay out of the catalogs; the explorer's phrases are translated around the same
numbers and frames; the glossary comes from the terminology; the language switch points at
the same page in the other edition."""

import gettext
import json
import re
import shutil
from pathlib import Path

import pytest
import torch
import yaml
from computed import assert_listed
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document
from tool_modules import tool

from vaecore import settings
from vaecore.book.explore import explore
from vaecore.book.explore.static import PHRASES

ROOT = Path(__file__).resolve().parent.parent


i18n = tool("book_i18n")
faults = tool("translation_faults")
translation = tool("translation")

ENGLISH = (
    "The {term}`ELBO <evidence lower bound>` of a **VAE** on 2,000 digits is $-\\log p(x)$ "
    "at most, see {cite:p}`kingma2014` and `vaecore.losses.elbo`."
)
GOOD = (
    "**VAE**在2000个数字上的{term}`证据下界 <evidence lower bound>`至多为$-\\log p(x)$，"
    "见{cite:p}`kingma2014`和`vaecore.losses.elbo`。"
)


def test_a_faithful_translation_has_no_problems():
    assert faults.problems(ENGLISH, GOOD) == []
    assert faults.problems(ENGLISH, ENGLISH) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("$-\\log p(x)$", "$\\log p(x)$"), "maths '$-\\\\log p(x)$' is missing"),
        (("2000", "200"), "number '2000' is missing"),
        (("2000个", "2000个（共3组）"), "number '3' is not in the English"),
        (("`vaecore.losses.elbo`", "vaecore.losses.elbo"), "code '`vaecore.losses.elbo`'"),
        (("<evidence lower bound>", "<ELBO>"), "role target 'evidence lower bound' is missing"),
        (("kingma2014", "kingma2013"), "role target 'kingma2014' is missing"),
        (("**VAE**", "**“VAE”**"), "1 strong in the English, 0 here"),
        (("2000个", "2000个<script>alert(1)</script>"), "raw HTML '</script>' is not in"),
        (("2000个", "2000个<img src=x onerror=alert(1)>"), "raw HTML '<img src=x onerror"),
    ],
)
def test_each_kind_of_damage_is_caught(change, problem):
    damaged = GOOD.replace(*change)
    assert any(p.startswith(problem) for p in faults.problems(ENGLISH, damaged)), damaged


def test_the_glossary_terms_are_rendered_as_the_terminology_says():
    english = "Posterior collapse leaves the decoder without codes."
    assert faults.term_problems(english, "后验坍塌让解码器得不到编码。") == []
    assert faults.term_problems(english, "后验崩溃让解码器得不到编码。") == [
        "the term 'posterior collapse' is not translated '后验坍塌' (locales/zh_CN/terms.yml)"
    ]
    # A word with another sense in the book ("code" is also program code) is not checked.
    assert faults.term_problems("The code runs.", "代码可以运行。") == []
    # Nor is a term inside maths, code or a template's field.
    assert faults.term_problems("Call `mode_collapse()`.", "调用`mode_collapse()`。") == []
    assert faults.term_problems("Beside {vrnn}: {encoders}.", "{vrnn}旁：{encoders}。") == []


def test_dimensions_are_words_and_counts_written_in_words_stay_words():
    assert faults.problems("On the 2-D ring, eight modes.", "在二维环上有八个模式。") == []
    assert faults.problems("On the 2-D ring, eight modes.", "在2维环上有8个模式。") == [
        "number '2' is not in the English",
        "number '8' is not in the English",
    ]


def test_a_template_field_in_code_is_not_taken_for_a_role():
    english = "Measured with `{command}` on `{platform}` ({cpus} threads)."
    assert faults.problems(english, "在`{platform}`（{cpus}个线程）上用`{command}`测得。") == []
    assert faults.problems(english, "在`{platform}`上用`{command}`测得。") != []  # a field lost


def test_template_fields_must_survive():
    template = PHRASES["pad note"]
    assert faults.problems(template, "在{steps}×{steps}网格上预先计算的画面。") == []
    assert faults.problems(template, "在{steps}×{step}网格上预先计算的画面。") == [
        "field '{steps}' is missing"
    ]


def test_messages_without_words_are_not_for_translation():
    assert not i18n.has_words("$x \\in \\mathbb{R}^D$")
    assert not i18n.has_words("{doc}`chapters/vae`")
    assert not i18n.has_words("`mnist`, 28×28")
    assert i18n.has_words("the prior over codes, $p(z)$")


def test_computed_templates_that_join_fields_with_punctuation_are_for_translation():
    """Chinese joins with its own marks ("{a}、{b}", "{lead}。"), so a template of fields and
    punctuation goes into the catalog; a bare field has nothing to translate."""
    assert i18n.needs_translating("{a}, {b}") and i18n.needs_translating("{found} {cost}")
    assert i18n.needs_translating("{name} ({caveats})") and i18n.needs_translating("{lead}.")
    assert i18n.needs_translating("Mean ± sd over {n} seeds.")
    assert not i18n.needs_translating("{a}")
    assert not i18n.needs_translating("`z = sigma * eps`")
    po = (ROOT / "locales/zh_CN/LC_MESSAGES/computed.po").read_text(encoding="utf-8")
    for template, _, _ in i18n.computed_templates():
        if i18n.needs_translating(template) and not i18n.has_words(template):
            assert f"msgid {json.dumps(template, ensure_ascii=False)}" in po, template


def _document(rst: str) -> nodes.document:
    document = new_document("<test>", get_default_settings(Parser))
    Parser().parse(rst, document)
    return document


def test_outputs_maths_and_docstrings_are_untranslatable_but_captions_are_not():
    document = _document("A paragraph of prose.\n\n.. math::\n\n   x = 1\n")
    output = nodes.container(nb_element="cell_code_output")
    printed = nodes.paragraph(text="loss 0.1234 after 3 epochs")
    figure = nodes.figure("", nodes.caption(text="What the figure shows, in words."))
    output += [printed, figure]
    docstring = nodes.paragraph(text="Returns the loss.")
    docstring.source = "/repo/vaecore/losses.py:docstring of vaecore.losses.elbo"
    document += [output, docstring]
    kept = {id(n) for n in i18n.untranslatable(document)}
    prose = next(iter(document.findall(nodes.paragraph)))
    assert id(printed) in kept and id(docstring) in kept
    assert id(next(iter(document.findall(nodes.math_block)))) in kept
    assert id(prose) not in kept and id(figure[0]) not in kept


def test_the_switch_points_at_the_same_page_in_the_other_edition():
    assert i18n.switch_target("en", "intro") == ("zh_CN/intro.html", "中文")
    assert i18n.switch_target("en", "chapters/vae") == ("../zh_CN/chapters/vae.html", "中文")
    assert i18n.switch_target("zh_CN", "intro") == ("../intro.html", "English")
    assert i18n.switch_target("zh_CN", "chapters/vae") == ("../../chapters/vae.html", "English")
    with pytest.raises(ValueError, match="editions"):
        i18n.switch_target("fr", "intro")


THEME = Path(__import__("sphinx_book_theme").__file__).parent / "theme" / "sphinx_book_theme"
#: tools/templates' copies of the theme's components (its other templates are the book's own).
OVERRIDES = sorted(
    p
    for p in (ROOT / "tools" / "templates").glob("*.html")
    if (THEME / "components" / p.name).is_file()
)
LABEL = re.compile(r"""\{\{ _\("([^"]+)"\) \}\}""")


@pytest.mark.parametrize("override", OVERRIDES, ids=lambda p: p.name)
def test_an_overridden_theme_component_is_the_themes_own_but_for_its_translated_labels(override):
    """tools/templates' copy of a theme component differs from it only where a hard-coded
    English label goes through the translations instead (the catalog ``sphinx``, which
    ``translation.py check`` holds to the same coverage as the others), so a theme update shows
    up here."""
    own = override.read_text().split("\n", 1)[1]  # less the comment that says what it is
    labels = LABEL.findall(own)
    assert labels, "an override that translates nothing"
    assert LABEL.sub(r"\1", own) == (THEME / "components" / override.name).read_text()


def test_the_themes_catalog_falls_back_on_the_labels_it_lacks():
    catalog = gettext.NullTranslations()
    catalog.add_fallback(i18n.ThemeLabels(i18n.THEME_LABELS["zh_CN"]))
    assert catalog.gettext("Color mode") == "配色模式"
    copyright = catalog.gettext("© Copyright %(copyright)s.") % {"copyright": "2026"}
    assert copyright == "© 版权所有 2026。"
    assert catalog.gettext("Not a label") == "Not a label"


def test_a_theme_button_with_no_translation_stops_the_build():
    labels = i18n.THEME_LABELS["zh_CN"]
    buttons = [
        {
            "label": "launch-buttons",
            "tooltip": "Launch interactive content",
            "buttons": [{"label": "source-edit-button", "text": "Suggest edit", "url": "x"}],
        }
    ]
    i18n.translate_buttons(buttons, labels, {}, "edit/here")
    assert buttons[0]["tooltip"] == labels["Launch interactive content"]
    assert buttons[0]["buttons"][0] == {
        "label": "source-edit-button",
        "text": "改进本页译文",
        "url": "edit/here",
    }
    with pytest.raises(ValueError, match="'Print to PDF'.*THEME_LABELS"):
        i18n.translate_buttons([{"text": "Print to PDF"}], labels, {}, "edit/here")


@pytest.fixture
def explorer_html():
    w = torch.randn(4, 784, generator=torch.Generator().manual_seed(0))
    codes = torch.randn(50, 4, generator=torch.Generator().manual_seed(1))
    return explore(
        lambda z: torch.sigmoid(z @ w), codes, title="A VAE's codes", importance_label="RMS change"
    ).to_html()


ZH = {
    PHRASES["readout"]: "z{d}移动了{offset} × {scale}：z{d} = {values}",
    PHRASES["option"]: "z{d}（{importance}{value}）",
    "Dimension": "维度",
    "Reset": "重置",
    "Run the notebook to drive the model itself.": "运行笔记本即可操控模型。",
    "A VAE's codes": "VAE的编码",
    "RMS change": "均方根变化",
}


def _data(page: str) -> dict:
    found = re.search(r'class="vx-data">(.*?)</script>', page, re.S)
    return json.loads(found[1].replace("<\\/", "</"))


def test_an_explorer_is_translated_around_the_same_numbers_and_frames(explorer_html):
    zh = i18n.translate_explorer(explorer_html, lambda text: ZH.get(text, text))
    en_data, zh_data = _data(explorer_html), _data(zh)
    for en_dim, zh_dim in zip(en_data["dims"], zh_data["dims"]):
        assert en_dim["frames"] == zh_dim["frames"]
        for en, cn in zip(en_dim["readouts"], zh_dim["readouts"]):
            numbers = re.findall(r"[-+]?\d+\.\d+", en)
            assert (
                cn.startswith(f"z{en_dim['dim'] + 1}移动了")
                and re.findall(r"[-+]?\d+\.\d+", cn) == numbers
            )
    for english, chinese in [
        ("Dimension", "维度"),
        ("Reset", "重置"),
        ("A VAE's codes", "VAE的编码"),
    ]:
        assert f">{chinese}<" in zh and f">{english}<" not in zh
    # The chooser's entries keep their numbers and translate the importance label.
    assert re.search(r"<option value=\"0\">z\d（均方根变化[\d.e-]+）</option>", zh)
    assert "运行笔记本即可操控模型。" in zh
    # What is not a phrase is untouched: the script and the images.
    assert re.findall(r"base64,[^\"]+", zh) == re.findall(r"base64,[^\"]+", explorer_html)
    assert zh.count("<script") == explorer_html.count("<script")
    # The untranslated phrases stay English.
    assert "Offset" in zh


def test_a_translation_that_would_break_the_page_is_refused(explorer_html):
    with pytest.raises(ValueError, match="may not hold"):
        i18n.translate_explorer(
            explorer_html, lambda text: {"Reset": "<b>重置</b>"}.get(text, text)
        )


def test_every_phrase_of_the_explorer_is_listed(explorer_html):
    """Each visible phrase of the static explorer is in PHRASES (or is its own), so none stays
    English in the Chinese edition: translate everything to X and look for English left."""
    everything = i18n.translate_explorer(explorer_html, lambda text: "X")
    text = re.sub(r"<(script|style)\b.*?</\1>", "", everything, flags=re.S)
    visible = re.findall(r">([^<>]+)<", text) + re.findall(r'(?:alt|aria-label)="([^"]*)"', text)
    english = [t for t in visible if re.search(r"[A-Za-z]{2}", t)]
    assert english == []
    data = _data(everything)
    assert {r for d in data["dims"] for r in d["readouts"]} == {"X"}


def test_what_an_explorer_says_once_its_model_runs_in_the_page_is_translated_too(
    tmp_path, monkeypatch
):
    """The page's own model fills in the bare readout template and shows the live phrases
    (explorer-live.mjs): the Chinese edition translates those too."""
    monkeypatch.setenv(settings.WEB_MODELS_ENV, str(tmp_path))
    codes = torch.randn(50, 4, generator=torch.Generator().manual_seed(0))
    decoder = torch.nn.Sequential(torch.nn.Linear(4, 784), torch.nn.Sigmoid())
    page = explore(decoder, codes).to_html()
    live = _data(i18n.translate_explorer(page, lambda text: "X"))["live"]
    assert live["readout"] == "X" and set(live["phrases"].values()) == {"X"}
    assert "live" in _data(page) and _data(page)["live"]["readout"] == PHRASES["readout"]


def test_terms_are_well_formed_and_cover_the_glossary():
    terms = yaml.safe_load((ROOT / "locales/zh_CN/terms.yml").read_text(encoding="utf-8"))
    english = [t["en"].casefold() for t in terms]
    assert len(english) == len(set(english)), "a term is listed twice"
    assert all(t["zh"].strip() and t["source"] in ("d2l-zh", "common usage") for t in terms)
    glossary = translation.glossary_entries((ROOT / "chapters/glossary.md").read_text())
    assert len(glossary) >= 40
    translations = translation.glossary_translations()
    for term, definition in glossary:
        assert translations[definition], f"{term}: no Chinese definition"
        assert translations[term] == term or translations[term].endswith(f"（{term}）"), term


def test_the_glossary_catalog_is_the_terminology(tmp_path):
    """The glossary's catalog says what terms.yml says: edit the terms there, not here."""
    from babel.messages.pofile import read_po

    with (translation.CATALOGS / "chapters" / "glossary.po").open("rb") as f:
        catalog = read_po(f)
    for msgid, msgstr in translation.glossary_translations().items():
        assert catalog[msgid].string == msgstr, msgid


def test_export_and_apply_round_trip(tmp_path, monkeypatch):
    catalogs = tmp_path / "LC_MESSAGES"
    shutil.copytree(translation.CATALOGS, catalogs)
    monkeypatch.setattr(translation, "CATALOGS", catalogs)
    text = translation.export(["chapters/bibliography"], everything=True)
    assert text.startswith("@@ chapters/bibliography 0\nEN: Bibliography\nZH: ")
    changed = re.sub(r"^ZH: .*$", "ZH: 文献 \\\\ “引号”", text, count=1, flags=re.M)
    assert translation.apply(changed) == 2
    report = translation.catalog_report()["chapters/bibliography"]
    assert report["untranslated"] == [] and report["fuzzy"] == []
    assert "ZH: 文献 \\ “引号”" in translation.export(["chapters/bibliography"], everything=True)
    with pytest.raises(SystemExit, match="no catalog"):
        translation.export(["chapters/nope"])


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("@@ intro 0\nEN: Using this book\nZH: 使用\n本书\n", "line 4 follows a block"),
        ("@@ intro 0\nZH: 使用本书\n", "line 1 is not the start of a block"),
        ("nothing to apply\n", "line 1 is not the start of a block"),
        ("\n\n", "no block"),
    ],
)
def test_a_damaged_plain_text_file_is_refused_not_half_applied(text, error):
    with pytest.raises(SystemExit, match=error):
        translation.blocks(text)


def test_every_page_has_a_catalog():
    pages = set(translation._pages())
    report = translation.catalog_report()
    assert pages <= set(report), sorted(pages - set(report))


def test_computed_tables_and_verdicts_are_written_again_in_the_other_language():
    from vaecore.book.messages import Table, Text, computed_html, say

    table = Table([say("model"), say("recall")], [[say("conv GAN"), "0.48 ± 0.06"]], say("note"))
    text = Text([say("{a} and {b} overlap.", a=say("conv GAN"), b=say("MLP GAN"))])
    zh = {
        "model": "模型",
        "recall": "召回率",
        "conv GAN": "卷积GAN",
        "note": "注",
        "{a} and {b} overlap.": "{a}与{b}重叠。",
        "MLP GAN": "MLP GAN",
    }
    page = "<p>before</p>" + computed_html(table) + "<p>between</p>" + computed_html(text)
    chinese = i18n.translate_computed(page, lambda t: zh.get(t, t))
    assert chinese.startswith("<p>before</p>") and "<p>between</p>" in chinese
    assert "卷积GAN" in chinese and "召回率" in chinese and "0.48 ± 0.06" in chinese
    assert (
        "卷积GAN与MLP GAN重叠。" in chinese
        and "overlap" not in chinese.split("vc-messages")[1].split("</script>")[-1]
    )
    # the messages travel with the page, so the other edition can be written from it again
    assert i18n.translate_computed(chinese, lambda t: t) == page


def test_every_computed_message_is_listed_for_the_catalog():
    """Templates are literals in vaecore/book and names from the data are labels, so the
    gettext build lists them all without running a chapter; a template that is not a literal
    is refused."""
    from vaecore.book import results
    from vaecore.book.findings import gan, gan_images, side_by_side, vrnn
    from vaecore.book.findings.labels import LABELS
    from vaecore.book.published import MNIST_FID

    listed = {t for t, _, _ in i18n.computed_templates()}
    assert LABELS <= listed
    conv = results.load("gan_vs_vae")
    modes = results.load("gan_modes")
    shown = [
        gan_images.seed_table(conv, MNIST_FID),
        gan_images.closest_verdict(conv, MNIST_FID),
        *gan_images.which_to_use(conv),
        side_by_side.recommendations(
            results.load("side_by_side_seeds"), results.load("vrnn_vs_rnn"), conv
        ),
        vrnn.verdict(vrnn.sides_from_benchmark(results.load("vrnn_vs_rnn"))),
        gan.compare(gan.benchmark_runs(modes, "r1"), gan.benchmark_runs(modes, "batchnorm")),
    ]

    assert_listed(shown)


def test_a_template_that_is_not_a_literal_is_refused(tmp_path, monkeypatch):
    source = tmp_path / "vaecore" / "book"
    source.mkdir(parents=True)
    (source / "made_up.py").write_text("name = 'x'\nsay(name)\n")
    monkeypatch.setattr(i18n, "ROOT", tmp_path)
    monkeypatch.setattr(i18n, "COMPUTED_SOURCES", source)
    with pytest.raises(ValueError, match="must be a literal"):
        i18n.computed_templates()


def test_english_words_are_counted_in_prose_and_tables_not_in_code_or_maths():
    page = (
        '<nav>menu words</nav><article class="bd-article"><p>这是 encoder 和VAE的均值</p>'
        "<table><tr><td>decoder means</td><td>0.5</td></tr></table><pre>printed output</pre>"
        '<code>fit_model</code><span class="math">x + y</span>'
        '<a href="bibliography.html#k">Goodfellow et al.</a><img alt="alt text"></article>'
    )
    assert translation.english_words(page) == ["encoder", "decoder", "means"]


def _fake_extraction(catalogs: Path, pot: Path, incomplete: str):
    """A stand-in for the gettext build: a ``.pot`` per page holding its catalog's messages,
    but only one message for ``incomplete`` (a chapter whose outputs were not there)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    def extract(builder, outdir, overrides, **kwargs):
        assert builder == "gettext"
        for path in catalogs.rglob("*.po"):
            page = path.relative_to(catalogs).with_suffix("").as_posix()
            with path.open("rb") as f:
                messages = [m for m in read_po(f) if m.id]
            if page == incomplete:
                messages = messages[:1]
            out = Catalog()
            for message in messages:
                out.add(message.id, locations=message.locations, flags=message.flags)
            (pot / page).parent.mkdir(parents=True, exist_ok=True)
            with (pot / f"{page}.pot").open("wb") as f:
                write_po(f, out)

    return extract


@pytest.mark.parametrize("executed", [True, False])
def test_update_leaves_the_catalog_of_a_chapter_not_executed_as_it_was(
    tmp_path, monkeypatch, executed
):
    """A chapter the English build has not run gives only part of its messages (no figure
    captions, alt texts or explorer phrases without its outputs): ``update`` leaves its catalog
    as it was and updates the others; merged, the part would drop the translations."""
    from babel.messages.pofile import read_po

    locales = tmp_path / "locales"
    shutil.copytree(translation.LOCALES, locales)
    catalogs, pot = locales / translation.LANGUAGE / "LC_MESSAGES", tmp_path / "gettext"
    monkeypatch.setattr(translation, "LOCALES", locales)
    monkeypatch.setattr(translation, "CATALOGS", catalogs)
    monkeypatch.setattr(translation, "POT", pot)
    monkeypatch.setattr(translation, "_sphinx", _fake_extraction(catalogs, pot, "chapters/vae"))
    monkeypatch.setattr(translation, "check", lambda verbose=True: True)
    monkeypatch.setattr(
        translation, "unexecuted_chapters", lambda build=None: [] if executed else ["chapters/vae"]
    )

    def messages(page):
        with (catalogs / f"{page}.po").open("rb") as f:
            return {m.id: m.string for m in read_po(f) if m.id}

    before = {page: messages(page) for page in ("chapters/vae", "chapters/gan", "explorer")}
    translation.update()
    assert messages("chapters/gan") == before["chapters/gan"]
    assert messages("explorer") == before["explorer"]
    if executed:  # the control: merged, the chapter's part drops all but one translation
        assert len(messages("chapters/vae")) == 1
    else:
        assert messages("chapters/vae") == before["chapters/vae"]


def test_the_chinese_edition_is_built_again_exactly_when_something_it_is_built_from_changed(
    tmp_path, monkeypatch
):
    """``build`` leaves a current edition as it is, and builds it again after any change to a
    file of the checkout (tracked or new), to a chapter's cached outputs, to the flags, or to
    the built pages; a build that failed, or a folder that is not a checkout, always builds."""
    import subprocess

    repo, build = tmp_path / "repo", tmp_path / "repo" / "_build"
    catalog = repo / "locales" / "page.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text('msgid "a"\nmsgstr "甲"\n')
    (repo / ".gitignore").write_text("_build/\n")
    outputs = build / ".jupyter_cache" / "executed" / "0a" / "base.ipynb"
    outputs.parent.mkdir(parents=True)
    outputs.write_text("{}")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    runs = []

    def sphinx(builder, output, overrides, strict, nitpicky, build):
        runs.append(strict)
        if fail:
            raise SystemExit("the html build failed")
        (output / "chapters").mkdir(parents=True, exist_ok=True)
        (output / "chapters" / "vae.html").write_text("<html></html>")

    monkeypatch.setattr(translation, "ROOT", repo)
    monkeypatch.setattr(translation, "_sphinx", sphinx)
    monkeypatch.setattr(translation, "_pages", lambda: ["chapters/vae"])
    monkeypatch.setattr(translation, "_cached_chapters_or_exit", lambda build: None)
    fail = False

    def built_again(**flags) -> bool:
        before = len(runs)
        translation.build(build_dir=build, **flags)
        return len(runs) > before

    assert built_again()
    assert not built_again()
    catalog.write_text('msgid "a"\nmsgstr "乙"\n')
    assert built_again() and not built_again()
    (repo / "new.md").write_text("# A page not yet added to git\n")
    assert built_again() and not built_again()
    outputs.write_text('{"cells": []}')
    assert built_again() and not built_again()
    assert built_again(strict=True) and not built_again(strict=True)
    (build / "html" / "zh_CN" / "chapters" / "vae.html").unlink()
    assert built_again(strict=True) and not built_again(strict=True)
    catalog.write_text('msgid "a"\nmsgstr "丙"\n')
    fail = True
    with pytest.raises(SystemExit):
        translation.build(build_dir=build)
    fail = False
    assert built_again(), "a failed build left its stamp"
    shutil.rmtree(repo / ".git")
    assert built_again() and built_again(), "outside a checkout the edition is always built"
