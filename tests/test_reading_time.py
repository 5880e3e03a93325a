"""tools/reading_time.py: what counts as prose, and what the main path leaves out."""

from tool_modules import tool

reading_time = tool("reading_time")

PAGE = """<html><body><nav><p>one two three</p></nav><article class="bd-article">
<h1>The chapter</h1>
<p>five words of main prose</p>
<div class="cell_input"><pre>code is not prose</pre></div>
<div class="cell_output"><pre>printed logs are not</pre>
  <div class="vaecore-computed"><p>a computed sentence is read</p>
  <script type="application/json">{"not": "words"}</script></div></div>
<p>maths <span class="math">\\(x + y\\)</span> aside</p>
<div class="dropdown admonition"><p>a folded solution of six words</p></div>
<section id="how-we-know-the-seeds"><h3>How we know: the seeds</h3><p>evidence in four words</p>
  <section id="deeper"><p>nested evidence too</p></section></section>
<section id="exercises"><h2>Exercises</h2><p>do this</p></section>
<section id="what-we-learned"><p>main again</p></section>
</article><footer><p>not counted</p></footer></body></html>"""


def test_prose_counts_and_the_main_path_skips_what_a_reader_may_skip(tmp_path):
    page = tmp_path / "chapter.html"
    page.write_text(PAGE, encoding="utf-8")
    main, whole = reading_time.words(page)
    # heading 2, main prose 5, computed 5, "maths aside" 2, "main again" 2
    assert main == 2 + 5 + 5 + 2 + 2
    # the dropdown 6, the evidence heading 5 and text 4, the nested 3, the exercises 1 + 2
    assert whole == main + 6 + 5 + 4 + 3 + 3


def test_the_report_lists_every_built_chapter(tmp_path):
    (tmp_path / "a.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "b.html").write_text("<article><p>" + "word " * 400 + "</p></article>")
    rows = reading_time.report(tmp_path)
    assert [name for name, _, _ in rows] == ["a", "b"]
    assert rows[1][1] == rows[1][2] == 400 / reading_time.WORDS_PER_MINUTE
