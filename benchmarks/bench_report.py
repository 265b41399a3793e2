"""How long one report takes (goal: under 1 s for HTML), in process and as a whole command.

In process: match plus render_report, median over the example cases, with the KB loaded and the
templates compiled once (as in a web worker). Whole command: `onconav report CASE -a clinician
-f html -o FILE` from a fresh interpreter (start-up, imports, KB load, match, render, write).
PDF times are shown for reference.

Run: python benchmarks/bench_report.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from _timing import PYTHON, wall

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
# The verb on its own, so that this runs whether or not cli.py registers it yet.
_COMMAND = "import typer; from onconav.cli_report import report; typer.run(report)"


def _median_ms(func, repeat: int = 20) -> float:
    func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    from onconav.kb.index import get_index
    from onconav.match.caseio import read_cases
    from onconav.match.engine import match_case
    from onconav.report import render_pdf, render_report

    index = get_index()
    print(f"{'case':40} {'html clin':>10} {'html pat':>9} {'md clin':>8} {'pdf clin':>9}  (ms)")
    html_times = []
    for path in EXAMPLES:
        case = read_cases(str(path))[0]

        def run(audience: str, fmt: str, case=case) -> str:
            result = match_case(index, case)
            return render_report(result, index, audience, fmt, case=case)  # type: ignore[arg-type]

        clin = _median_ms(lambda: run("clinician", "html"))
        pat = _median_ms(lambda: run("patient", "html"))
        md = _median_ms(lambda: run("clinician", "markdown"))
        pdf = _median_ms(lambda: render_pdf(run("clinician", "html")), repeat=3)
        html_times += [clin, pat]
        print(f"{path.stem:40} {clin:10.1f} {pat:9.1f} {md:8.1f} {pdf:9.0f}")
    print(f"in process, HTML, worst case: {max(html_times):.1f} ms (goal < 1000 ms)")

    out = Path(tempfile.mkdtemp(prefix="onconav-bench-")) / "r.html"
    case = str(ROOT / "examples" / "egfr_l858r_first_line.json")
    base = wall([PYTHON, "-c", "pass"])
    full = wall([PYTHON, "-c", _COMMAND, case, "-a", "clinician", "-f", "html", "-o", str(out)])
    pdf = wall(
        [PYTHON, "-c", _COMMAND, case, "-a", "clinician", "-f", "pdf", "-o", str(out)], repeat=3
    )
    print(f"whole command, HTML: {full * 1000:.0f} ms (python -c pass: {base * 1000:.0f} ms)")
    print(f"whole command, PDF:  {pdf * 1000:.0f} ms")


if __name__ == "__main__":
    main()
