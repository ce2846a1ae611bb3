"""Every relative link in README.md and docs/*.md reaches a file, and every #anchor a heading."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FENCE = re.compile(r"^ {0,3}(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def markdown_files(root: Path = ROOT) -> list[Path]:
    """Return the README and the docs, the files whose links are checked."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def prose_lines(text: str) -> list[str]:
    """Return the lines outside fenced code blocks (fenced lines become empty)."""
    lines, fenced = [], None
    for line in text.splitlines():
        match = FENCE.match(line)
        if match and (fenced is None or match.group(1) == fenced):
            fenced = match.group(1) if fenced is None else None
            lines.append("")
        else:
            lines.append("" if fenced else line)
    return lines


def slug(heading: str) -> str:
    """Return GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Return the anchors of a Markdown file's headings, numbering repeats as GitHub does."""
    seen: dict[str, int] = {}
    found = set()
    for line in prose_lines(path.read_text(encoding="utf-8")):
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path: Path) -> list[str]:
    """Return the targets of a Markdown file's inline links, outside code."""
    prose = "\n".join(prose_lines(path.read_text(encoding="utf-8")))
    prose = CODE_SPAN.sub(lambda m: "code", prose)
    return LINK.findall(prose)


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    """Return a line per relative link in the file that leads nowhere, with the reason."""
    problems = []
    for target in links(path):
        if SCHEME.match(target) or target.startswith("//"):
            continue  # an absolute URL: not checked here
        location, _, fragment = target.partition("#")
        dest = (path.parent / location).resolve() if location else path
        if not dest.exists():
            problems.append(f"{path.relative_to(root)}: {target}: no such file")
        elif root.resolve() not in dest.resolve().parents and dest.resolve() != root.resolve():
            problems.append(f"{path.relative_to(root)}: {target}: outside the repository")
        elif fragment:
            if dest.is_dir() or dest.suffix != ".md":
                problems.append(f"{path.relative_to(root)}: {target}: anchor into a non-Markdown file")
            elif fragment not in anchors(dest):
                problems.append(f"{path.relative_to(root)}: {target}: no heading #{fragment}")
    return problems


def test_relative_links_and_anchors_resolve():
    files = markdown_files()
    assert len(files) > 1
    assert sum(len(links(path)) for path in files) > 20  # the scan does find the links
    problems = [problem for path in files for problem in broken_links(path)]
    assert not problems, "\n".join(problems)


def test_every_doc_is_linked_from_the_readme():
    readme_targets = {target.partition("#")[0] for target in links(ROOT / "README.md")}
    for doc in sorted((ROOT / "docs").glob("*.md")):
        assert f"docs/{doc.name}" in readme_targets, doc.name


def test_slug_follows_github():
    assert slug("Benchmarking against similar services") == "benchmarking-against-similar-services"
    assert slug("Snapshots and sharing") == "snapshots-and-sharing"
    assert slug("`make bench`: what it measures") == "make-bench-what-it-measures"
    assert slug("Data quality & definitions (v2)") == "data-quality--definitions-v2"
    assert slug("[Real](x.md) national_returns") == "real-national_returns"


def test_the_check_finds_broken_links(tmp_path):
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs" / "guide.md").write_text(
        "# Guide\n\n## Real national returns\n\n## Notes\n\n## Notes\n\n"
        "```\n## Not a heading\n```\n", encoding="utf-8")
    readme = repo / "README.md"
    readme.write_text(
        "# Title\n\n## Quick start\n\n"
        "[fine](docs/guide.md) [fine](docs/guide.md#real-national-returns) [fine](#quick-start)\n"
        "[fine](docs/guide.md#notes-1) [fine](https://example.org/#x) `[code](nowhere.md)`\n"
        "```\n[fenced](nowhere.md)\n```\n"
        "[gone](docs/missing.md) [bad](#quick-starts) [bad](docs/guide.md#notes-2)\n"
        "[split\ntext](docs/guide.md#not-a-heading) [up](../outside.md)\n",
        encoding="utf-8")
    (tmp_path / "outside.md").write_text("# Outside\n", encoding="utf-8")
    problems = broken_links(readme, root=repo)
    assert problems == [
        "README.md: docs/missing.md: no such file",
        "README.md: #quick-starts: no heading #quick-starts",
        "README.md: docs/guide.md#notes-2: no heading #notes-2",
        "README.md: docs/guide.md#not-a-heading: no heading #not-a-heading",
        "README.md: ../outside.md: outside the repository",
    ]


def code_map(readme: str) -> str:
    """Return the README's code map: the fenced block under "## Code map"."""
    section = readme.split("## Code map", 1)[1]
    return section.split("```", 2)[1]


def test_the_code_map_names_every_module_and_only_what_exists():
    text = code_map((ROOT / "README.md").read_text())
    named = set(re.findall(r"\b([a-z_]+(?:\.py|/))", text))
    # Everything the map names exists: a file or a folder somewhere in the project.
    project = {path.name + ("/" if path.is_dir() else "")
               for path in ROOT.rglob("*") if ".venv" not in path.parts
               and "node_modules" not in path.parts and ".git" not in path.parts}
    assert sorted(named - project) == []
    # Every module of the application's packages is named, and every top-level folder.
    modules = {path.name for folder in ("dashboard", "dashboard/db")
               for path in (ROOT / folder).glob("*.py") if not path.name.startswith("__")}
    packages = {path.name + "/" for path in (ROOT / "dashboard").iterdir()
                if (path / "__init__.py").exists()}
    folders = {"dashboard/", "layouts/", "callbacks/", "bench/", "migrations/", "assets/",
               "data/", "docs/", "tests/"}
    assert sorted((modules | packages | folders) - named) == []

