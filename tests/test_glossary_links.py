"""Every glossary term's first use in reading order links to the glossary, in both editions.

Reading order is the table of contents' and, within a page, its catalog's (the order of its
paragraphs, list items and captions; headings are not a use). A use is the term's English words
(plural and British spellings too), or its Chinese from ``locales/zh_CN/terms.yml`` where no
longer term of the terminology holds it (编码 in 编码器 is the encoder, not the code). A term
whose English word has another sense in the book (``ambiguous`` in terms.yml: "code", "prior",
"decoder") is found by its Chinese, which tells the senses apart, and its English must link at
the same message."""

import html
import json
import re
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po
from tool_modules import tool

translation = tool("translation")
faults = tool("translation_faults")
ROOT = Path(__file__).resolve().parent.parent
#: Pages that define or list the terms rather than use them.
NOT_READ = {"chapters/glossary", "chapters/bibliography", "chapters/appendix-api"}
ROLE = re.compile(r"\{term\}`(?P<text>[^`<]*?)\s*(?:<(?P<target>[^>]+)>)?`")
#: Not prose: maths, code, roles other than {term}, HTML tags and link targets.
NOT_PROSE = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|\{[a-z:-]+\}|<[^>]+>|\]\([^)]*\)", re.S)


def glossary() -> list[str]:
    source = (ROOT / "chapters" / "glossary.md").read_text(encoding="utf-8")
    return [term for term, _ in translation.glossary_entries(source)]


TERMS = glossary()
TERMINOLOGY = {t["en"].lower(): t for t in faults.terms()}


def reading_order() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [p for p in pages if p not in NOT_READ]


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _not_prose(page: str) -> set[str]:
    """The messages of ``page`` that are not running text, where a link cannot go: headings,
    and figure captions and alt texts (in a cell's metadata or an image's ``alt``)."""
    path = ROOT / f"{page}.ipynb"
    found: set[str] = set()
    if path.is_file():
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        found |= {" ".join(s.split()) for c in cells for s in _strings(c["metadata"])}
    else:
        text = (ROOT / f"{page}.md").read_text(encoding="utf-8")
    found |= {html.unescape(alt) for alt in re.findall(r'<img [^>]*alt="([^"]*)"', text)}
    return found | {line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")}


def messages() -> list[tuple[str, str, str]]:
    """``(page, English, Chinese)`` of every message of the book in reading order, headings
    captions, alt texts and the table of contents' part captions aside."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    captions = {part["caption"] for part in toc["parts"]}
    out = []
    for page in reading_order():
        headings = _not_prose(page) | captions
        with (translation.CATALOGS / f"{page}.po").open("rb") as f:
            out += [(page, m.id, m.string) for m in read_po(f) if m.id and m.id not in headings]
    return out


def _english(term: str) -> re.Pattern:
    words = re.escape(term).replace("ization", "i[sz]ation")
    return re.compile(rf"(?<![\w-]){words}(?:s|es)?(?![\w-])", re.I)


def _blank(text: str, pattern: re.Pattern) -> str:
    return pattern.sub(lambda m: " " * len(m[0]), text)


#: Other spellings of a term, written as the term (English) or its terms.yml Chinese.
ALIASES = {
    False: {"$\\beta$-VAE": "beta-VAE", "β-VAE": "beta-VAE"},
    True: {"$\\beta$-VAE": "β-VAE"},
}


def mentions(text: str, chinese: bool) -> dict[str, bool]:
    """Each glossary term ``text`` uses, and whether its first use there is a link."""
    for alias, name in ALIASES[chinese].items():
        text = text.replace(alias, name)
    found: dict[str, tuple[int, bool]] = {}
    for role in ROLE.finditer(text):
        target = (role["target"] or role["text"]).strip().lower()
        for term in TERMS:
            if term.lower() == target and term not in found:
                found[term] = (role.start(), True)
    prose = _blank(_blank(text, ROLE), NOT_PROSE)
    if chinese:
        # longest first: a longer term of the terminology hides the shorter ones inside it
        for entry in sorted(TERMINOLOGY.values(), key=lambda t: -len(t["zh"])):
            for hit in re.finditer(re.escape(entry["zh"]), prose):
                term = next((t for t in TERMS if t.lower() == entry["en"].lower()), None)
                if term and (term not in found or hit.start() < found[term][0]):
                    found[term] = (hit.start(), False)
            prose = prose.replace(entry["zh"], "\0" * len(entry["zh"]))
    else:
        for term in TERMS:
            if TERMINOLOGY.get(term.lower(), {}).get("ambiguous"):
                continue
            hit = _english(term).search(prose)
            if hit and (term not in found or hit.start() < found[term][0]):
                found[term] = (hit.start(), False)
    return {term: linked for term, (_, linked) in found.items()}


def first_uses(chinese: bool) -> dict[str, tuple[int, str, str, bool]]:
    """Each term's first use: ``(message index, page, text, linked)``."""
    first: dict[str, tuple[int, str, str, bool]] = {}
    for i, (page, english, zh) in enumerate(messages()):
        text = zh if chinese else english
        for term, linked in mentions(text, chinese).items():
            first.setdefault(term, (i, page, text, linked))
    return first


@pytest.mark.parametrize("chinese", [False, True], ids=["English", "Chinese"])
def test_the_first_use_of_every_term_links_to_the_glossary(chinese):
    first = first_uses(chinese)
    unlinked = [
        f"{term!r} on {page}: {text[:160]}"
        for term, (_, page, text, linked) in first.items()
        if not linked
    ]
    assert unlinked == [], "link the first use with {term}`...`:\n" + "\n".join(unlinked)


def test_an_ambiguous_term_links_where_its_chinese_is_first_used():
    book = messages()
    for term, (i, page, _, _) in first_uses(chinese=True).items():
        if TERMINOLOGY.get(term.lower(), {}).get("ambiguous"):
            assert mentions(book[i][1], chinese=False).get(term), (
                f"{term!r} on {page}: the English of its first use does not link it: {book[i][1]}"
            )


def test_every_term_is_used_somewhere():
    used = set(first_uses(chinese=True)) | set(first_uses(chinese=False))
    assert sorted(set(TERMS) - used) == []


def test_a_use_is_found_and_a_link_recognised():
    assert mentions("A {term}`VAE-GAN` is a VAE-GAN.", chinese=False) == {"VAE-GAN": True}
    assert mentions("The VAE-GAN's decoder.", chinese=False) == {"VAE-GAN": False}
    assert mentions("the reparameterisation trick, $x$", chinese=False) == {
        "reparameterization trick": False
    }
    assert mentions("`DCGAN` in code and $ELBO$ in maths", chinese=False) == {}
    assert mentions("自编码器的编码器", chinese=True) == {"autoencoder": False, "encoder": False}
    assert mentions("{term}`编码 <code>`和编码", chinese=True) == {"code": True}
