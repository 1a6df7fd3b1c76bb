"""Sheets written as LaTeX (compiled by pdflatex) and as standalone HTML pages."""

from __future__ import annotations

import html.parser
import shutil
import subprocess
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import chainrule.exercises as ex
from chainrule.cli import OneLineErrors
from chainrule.cli.exercises_cmd import exercises_command
from chainrule.exercises import render


def cli() -> typer.Typer:
    app = typer.Typer(cls=OneLineErrors)
    app.command("exercises")(exercises_command)
    app.command("unused")(lambda: None)
    return app


@pytest.mark.parametrize("topic", sorted(ex.TOPICS))
def test_every_character_of_every_sheet_has_a_latex_command(topic: str) -> None:
    for seed in range(100):
        ex.generate(topic, seed, 2).latex(solutions=True)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex")
def test_pdflatex_compiles_a_sheet_of_every_topic(tmp_path: Path) -> None:
    for topic in sorted(ex.TOPICS):
        tex = tmp_path / f"{topic}.tex"
        ex.generate(topic, 11, 4).write(tex, solutions=True)
        run = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, (topic, run.stdout[-2000:])
        assert (tmp_path / f"{topic}.pdf").stat().st_size > 1000
        log = (tmp_path / f"{topic}.log").read_text(errors="replace")
        assert "Missing character" not in log, topic


def test_latex_escapes_what_tex_would_read_as_commands() -> None:
    doc = render.latex("# T\n\nCosts 5% & 3_2 of {x} # $y$ ~ ^ \\ σ′(z) ⊙ 1⃗ Xᵀ")
    assert r"5\% \& 3\_2 of \{x\} \# \$y\$ \~{} \^{} \textbackslash{}" in doc
    assert r"\ensuremath{\sigma}\ensuremath{'}(z) \ensuremath{\odot} \ensuremath{\vec{1}}" in doc
    assert r"X\ensuremath{^{\mathsf{T}}}" in doc


def test_a_character_without_a_latex_command_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"'☃' \(U\+2603\).*LATEX_SYMBOLS"):
        render.latex("a snowman ☃")


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.parametrize("topic", sorted(ex.TOPICS))
def test_the_html_page_is_standalone_and_holds_the_sheet(topic: str) -> None:
    sheet = ex.generate(topic, 5, 3)
    page = sheet.html(solutions=True)
    parsed = _Page()
    parsed.feed(page)
    assert "script" not in parsed.tags and "link" not in parsed.tags and "img" not in parsed.tags
    assert not [a for a in parsed.attrs if a[1] and ("http" in a[1] or "//" in a[1])]
    assert "http" not in page
    text = " ".join("".join(parsed.text).split())
    for e in sheet.exercises:
        # the answer and every line of the question appear as text, Unicode kept
        assert " ".join(e.answer.split()) in text
        for line in e.question.replace("`", "").splitlines():
            assert " ".join(line.split()) in text, line


def test_markdown_blocks() -> None:
    md = (
        "# Title\n\n## One\n\nSome `a*b` and **bold**\ntext.\n\n"
        "    x = 1\n\n    y = 2\n\n- a\n- b\n"
    )
    kinds = [(b.kind, b.lines) for b in render.blocks(md)]
    assert kinds == [
        ("heading1", ("Title",)),
        ("heading2", ("One",)),
        ("paragraph", ("Some `a*b` and **bold**", "text.")),
        ("code", ("x = 1", "", "y = 2")),
        ("list", ("a", "b")),
    ]
    page = render.page(md)
    assert "<code>a*b</code> and <strong>bold</strong>" in page
    assert "<pre>x = 1\n\ny = 2</pre>" in page and "<li>a</li>" in page


@pytest.mark.parametrize("suffix", [".tex", ".html", ".md"])
def test_the_command_writes_each_format(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"sheet{suffix}"
    args = ["exercises", "--topic", "shapes", "--seed", "2", "--solutions", "--out", str(out)]
    result = CliRunner().invoke(cli(), args)
    assert result.exit_code == 0, result.output
    sheet = ex.generate("shapes", 2, 5)
    expected = {".tex": sheet.latex, ".html": sheet.html, ".md": sheet.markdown}[suffix](True)
    assert out.read_text(encoding="utf-8").rstrip("\n") == expected.rstrip("\n")
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "sheet.tex"
    out.write_text("what the user had", encoding="utf-8")

    def broken(self: ex.Sheet, solutions: bool = False) -> str:
        raise RuntimeError("failed half-way")

    monkeypatch.setattr(ex.Sheet, "latex", broken)
    with pytest.raises(RuntimeError):
        ex.generate("shapes", 2, 2).write(out)
    assert out.read_text(encoding="utf-8") == "what the user had"
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.tex"]
