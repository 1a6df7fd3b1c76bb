"""A sheet's Markdown written as a LaTeX document or a standalone HTML page.

Questions and solutions are written in a small Markdown: ``#`` headings,
paragraphs, ``- `` lists, blocks indented by four spaces, ```code``` and
``**bold**``, with the mathematics in Unicode (σ, ∂, ⊙, ᵀ). This module reads
that Markdown into blocks once and writes them two ways: LaTeX that pdflatex
compiles (each Unicode symbol mapped to its LaTeX command) and HTML whose
mathematics is plain Unicode text, so the page renders with no network and
no script.
"""

from __future__ import annotations

import html
import re
from typing import NamedTuple

# Unicode in a sheet -> LaTeX that pdflatex compiles (math in \ensuremath)
LATEX_SYMBOLS: dict[str, str] = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
    "<": r"\ensuremath{<}",
    ">": r"\ensuremath{>}",
    "|": r"\ensuremath{|}",
    "²": r"\ensuremath{^2}",
    "³": r"\ensuremath{^3}",
    "₁": r"\ensuremath{_1}",
    "₂": r"\ensuremath{_2}",
    "·": r"\ensuremath{\cdot}",
    "½": r"\ensuremath{\tfrac{1}{2}}",
    "×": r"\ensuremath{\times}",
    "±": r"\ensuremath{\pm}",
    "ŷ": r"\ensuremath{\hat{y}}",
    "Δ": r"\ensuremath{\Delta}",
    "α": r"\ensuremath{\alpha}",
    "β": r"\ensuremath{\beta}",
    "γ": r"\ensuremath{\gamma}",
    "δ": r"\ensuremath{\delta}",
    "ε": r"\ensuremath{\varepsilon}",
    "η": r"\ensuremath{\eta}",
    "θ": r"\ensuremath{\theta}",
    "λ": r"\ensuremath{\lambda}",
    "μ": r"\ensuremath{\mu}",
    "π": r"\ensuremath{\pi}",
    "ρ": r"\ensuremath{\rho}",
    "σ": r"\ensuremath{\sigma}",
    "τ": r"\ensuremath{\tau}",
    "ϕ": r"\ensuremath{\phi}",
    "φ": r"\ensuremath{\varphi}",
    "ω": r"\ensuremath{\omega}",
    "Σ": r"\ensuremath{\Sigma}",
    "ᵀ": r"\ensuremath{^{\mathsf{T}}}",
    "ᵗ": r"\ensuremath{^{t}}",
    "‖": r"\ensuremath{\|}",
    "′": r"\ensuremath{'}",
    "″": r"\ensuremath{''}",
    "←": r"\ensuremath{\leftarrow}",
    "→": r"\ensuremath{\rightarrow}",
    "∂": r"\ensuremath{\partial}",
    "−": r"\ensuremath{-}",
    "√": r"\ensuremath{\surd}",
    "⊙": r"\ensuremath{\odot}",
    "⌈": r"\ensuremath{\lceil}",
    "⌉": r"\ensuremath{\rceil}",
    "⌊": r"\ensuremath{\lfloor}",
    "⌋": r"\ensuremath{\rfloor}",
    "≈": r"\ensuremath{\approx}",
    "≠": r"\ensuremath{\neq}",
    "≤": r"\ensuremath{\leq}",
    "≥": r"\ensuremath{\geq}",
    "∑": r"\ensuremath{\sum}",
    "∈": r"\ensuremath{\in}",
    "∞": r"\ensuremath{\infty}",
    "∇": r"\ensuremath{\nabla}",
    "—": "---",
    "–": "--",
    "“": "``",
    "”": "''",
    "’": "'",
}
VECTOR_ARROW = "\u20d7"  # combining arrow above, as in 1⃗


class Block(NamedTuple):
    """One block of a sheet: ``kind`` is heading1, heading2, paragraph, list or code."""

    kind: str
    lines: tuple[str, ...]


def blocks(markdown: str) -> list[Block]:
    """The sheet's Markdown as blocks, in order."""
    out: list[Block] = []
    current: list[str] = []
    kind = ""

    def close() -> None:
        nonlocal current, kind
        if current:
            while kind == "code" and current and not current[-1].strip():
                current.pop()
            out.append(Block(kind, tuple(current)))
        current, kind = [], ""

    for line in markdown.splitlines():
        if line.startswith("    ") and (kind == "code" or not current):
            if kind != "code":
                close()
            kind = "code"
            current.append(line[4:])
        elif not line.strip():
            if kind == "code":
                current.append("")
            else:
                close()
        elif line.startswith(("# ", "## ")):
            close()
            level = "heading1" if line.startswith("# ") else "heading2"
            out.append(Block(level, (line.split(" ", 1)[1],)))
        elif line.startswith("- "):
            if kind != "list":
                close()
                kind = "list"
            current.append(line[2:])
        else:
            if kind not in ("paragraph", ""):
                close()
            kind = "paragraph"
            current.append(line)
    close()
    return out


def _latex_text(text: str) -> str:
    """Plain text (no Markdown) as LaTeX; refuses a character it has no command for."""
    text = re.sub(f"(.){VECTOR_ARROW}", lambda mt: f"\x00{mt.group(1)}\x01", text)
    out = []
    for c in text:
        if c == "\x00":
            out.append(r"\ensuremath{\vec{")
        elif c == "\x01":
            out.append("}}")
        elif c in LATEX_SYMBOLS:
            out.append(LATEX_SYMBOLS[c])
        elif ord(c) < 128:
            out.append(c)
        else:
            raise ValueError(
                f"the sheet holds {c!r} (U+{ord(c):04X}), which has no LaTeX command in "
                "chainrule.exercises.render.LATEX_SYMBOLS: add one there"
            )
    return "".join(out)


def _inline_latex(text: str) -> str:
    parts = re.split(r"(`[^`]*`|\*\*[^*]+\*\*)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) >= 2:
            out.append(r"\texttt{" + _latex_text(part[1:-1]) + "}")
        elif part.startswith("**") and part.endswith("**") and len(part) >= 4:
            out.append(r"\textbf{" + _latex_text(part[2:-2]) + "}")
        else:
            out.append(_latex_text(part))
    return "".join(out)


LATEX_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
\usepackage{amsmath,amssymb}
\usepackage{alltt}
\usepackage[margin=2.2cm]{geometry}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6em}
"""


def latex(markdown: str) -> str:
    """The sheet's Markdown as a complete LaTeX document that pdflatex compiles."""
    body: list[str] = []
    title = "Exercises"
    for block in blocks(markdown):
        if block.kind == "heading1":
            title = block.lines[0]
        elif block.kind == "heading2":
            body.append(r"\section*{" + _inline_latex(block.lines[0]) + "}")
        elif block.kind == "paragraph":
            body.append(_inline_latex(" ".join(block.lines)) + "\n")
        elif block.kind == "list":
            items = "\n".join(r"  \item " + _inline_latex(item) for item in block.lines)
            body.append("\\begin{itemize}\n" + items + "\n\\end{itemize}")
        else:
            code = "\n".join(_latex_text(line) for line in block.lines)
            body.append("\\begin{small}\\begin{alltt}\n" + code + "\n\\end{alltt}\\end{small}")
    return (
        LATEX_PREAMBLE
        + r"\title{"
        + _inline_latex(title)
        + "}\n\\date{}\n\\begin{document}\n\\maketitle\n\n"
        + "\n\n".join(body)
        + "\n\\end{document}\n"
    )


def _inline_html(text: str) -> str:
    parts = re.split(r"(`[^`]*`|\*\*[^*]+\*\*)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) >= 2:
            out.append("<code>" + html.escape(part[1:-1]) + "</code>")
        elif part.startswith("**") and part.endswith("**") and len(part) >= 4:
            out.append("<strong>" + html.escape(part[2:-2]) + "</strong>")
        else:
            out.append(html.escape(part))
    return "".join(out)


HTML_STYLE = """
body { font-family: "DejaVu Serif", "Cambria Math", Georgia, serif; max-width: 46em;
       margin: 2em auto; padding: 0 1em; line-height: 1.5; color: #222; }
pre, code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
pre { background: #f5f5f0; padding: 0.6em 1em; overflow-x: auto; }
h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
"""


FIGURE = "\x1bfigure "  # a paragraph of this and a number stands for that exercise's figure


def figure_marker(number: int) -> str:
    """The paragraph :func:`page` replaces with figure ``number``."""
    return f"{FIGURE}{number}"


def page(markdown: str, figures: dict[int, str] | None = None) -> str:
    """The sheet's Markdown as a standalone HTML page: no script, no link, Unicode mathematics.

    ``figures`` maps a number to an inline SVG, put where the Markdown holds
    ``figure_marker(number)`` as a paragraph.
    """
    body: list[str] = []
    title = "Exercises"
    for block in blocks(markdown):
        marker = block.lines[0] if block.kind == "paragraph" else ""
        if marker.startswith(FIGURE) and figures and int(marker[len(FIGURE) :]) in figures:
            body.append(f"<figure>{figures[int(marker[len(FIGURE) :])]}</figure>")
        elif block.kind == "heading1":
            title = block.lines[0]
            body.append(f"<h1>{_inline_html(title)}</h1>")
        elif block.kind == "heading2":
            body.append(f"<h2>{_inline_html(block.lines[0])}</h2>")
        elif block.kind == "paragraph":
            body.append(f"<p>{_inline_html(' '.join(block.lines))}</p>")
        elif block.kind == "list":
            items = "\n".join(f"<li>{_inline_html(item)}</li>" for item in block.lines)
            body.append(f"<ul>\n{items}\n</ul>")
        else:
            body.append("<pre>" + html.escape("\n".join(block.lines)) + "</pre>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
