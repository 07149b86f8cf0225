"""``build_report``: run the pipeline and write ``reports/`` atomically.

This is the only module (besides the preprocessing cache) that writes files.
Layout of the output folder::

    reports/
      tables/*.csv, tables/*.md     one CSV (and a Markdown rendering) per result table
      figures/*.png, figures/*.svg  every figure in both formats
      report.md                     the narrative with figures and key tables inline
      index.html                    the same report, self-contained (figures embedded)
      run.json                      versions, resolved config, input and resource-file hashes, seeds, K, timings

Floats in tables carry ``[report] float_digits`` significant digits (default 6).
Two runs with the same inputs give byte-identical files except ``run.json``'s
``timings`` field.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import platform
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from .. import __version__
from ..config import AnalysisConfig, load_config, resolve_paths, to_dict
from ..corpus.summary import problem_line
from ..errors import InputError
from ..files import atomic_write
from ..output_folder import atomic_output_folder, check_output_folder, write_report_marker
from ..pipeline import run_analysis
from ..preprocessing.cache import resource_digests
from ..provenance import digest, file_digest, input_digests, package_versions
from ..workers import available_cores, forked_pool
from . import content, explorer, presentation
from .figures import FigureSpec
from .io import (SAVE_REVISION, format_frame, markdown_table, markdown_text, safe_filename, save_figure, unique_stems,
                 write_csv)

log = logging.getLogger(__name__)

#: Dependencies whose versions are recorded in run.json.
RECORDED_PACKAGES = ("numpy", "scipy", "pandas", "pyarrow", "scikit-learn", "gensim", "nltk",
                     "matplotlib", "jinja2", "lemminflect")


#: Rows rendered in each table's Markdown file (the CSV always has them all).
MD_MAX_ROWS = 1000


@dataclass(frozen=True)
class ReportResult:
    """What :func:`build_report` wrote."""

    out: Path
    files: tuple[str, ...]
    k: int | None
    skipped: tuple[str, ...]
    timings: dict[str, float]
    #: Records skipped, repaired or noted at load time (``{"skipped": n, "repaired": n, "noted": n}``).
    problems: dict[str, int] = dataclasses.field(default_factory=dict)


def build_report(config: AnalysisConfig | str | Path | None = None, *, out: str | Path | None = None,
                 base_dir: str | Path | None = None, config_path: str | Path | None = None,
                 option: str = "out") -> ReportResult:
    """Run every stage and write the report folder.

    Parameters
    ----------
    config:
        An :class:`AnalysisConfig`, a path to ``analysis.toml``, or None for defaults.
    out:
        Output folder (default ``config.report.out``, relative to ``base_dir``).
    base_dir:
        Folder that relative paths in the config are resolved against
        (default: the config file's folder, else the working directory).
    config_path:
        The config file ``config`` was read from, when it is an object (so the
        output folder can never be, or contain, it).
    option:
        How the caller named the output folder, for messages (the CLI passes ``--out``).

    ``out`` must be a missing path, an empty folder or a folder holding a report
    this package wrote and nothing else (:func:`~textanalytics.output_folder.check_output_folder`);
    anything else is refused with an :class:`InputError` before the analysis
    starts. Returns a :class:`ReportResult`. On any error the previous output
    folder is left untouched and the error propagates.

    Example
    -------
    >>> import textanalytics as ta
    >>> ta.build_report("analysis.toml", out="reports")   # doctest: +SKIP
    """
    if isinstance(config, (str, Path)):
        base = Path(base_dir) if base_dir else Path(config).resolve().parent
        cfg = load_config(config)
    else:
        base = Path(base_dir) if base_dir else Path.cwd()
        cfg = config or AnalysisConfig()
    recorded = cfg  # run.json records the config as written, free of machine-specific paths
    cfg = resolve_paths(cfg, base=base)
    corpus_path = Path(cfg.corpus.path)
    out_dir = Path(out) if out is not None else base / cfg.report.out
    if not corpus_path.exists():
        raise InputError(f"{corpus_path}: corpus path not found; set [corpus] path or pass --corpus")
    # Before any analysis: the run may only replace a folder it can prove it wrote.
    out_dir = check_output_folder(out_dir, option=option, protected={
        "the corpus": corpus_path, "the config": config_path if config_path else
        (config if isinstance(config, (str, Path)) else None),
        "the preprocessing cache": cfg.preprocess.cache_dir or None})

    started = time.perf_counter()
    results = run_analysis(cfg)
    with results.clock.stage("write report"):
        writing = time.perf_counter()
        with atomic_output_folder(out_dir) as tmp:
            files = _write_all(tmp, cfg=cfg, recorded=recorded, results=results, corpus_path=corpus_path,
                               exclude=(out_dir, Path(cfg.preprocess.cache_dir) if cfg.preprocess.cache_dir
                                        else None), started=started, writing=writing)
    log.info("report written to %s (%d files)", out_dir, len(files))
    return ReportResult(out=Path(out_dir), files=tuple(files), k=results.topic_k,
                        skipped=tuple(results.skipped), timings=dict(results.clock.timings),
                        problems=dict(results.problem_counts))


def _write_all(tmp: Path, *, cfg: AnalysisConfig, recorded: AnalysisConfig, results, corpus_path: Path,
               exclude: tuple[Path | None, ...], started: float, writing: float | None = None) -> list[str]:
    rcfg = cfg.report
    (tmp / "tables").mkdir()
    (tmp / "figures").mkdir()
    files: list[str] = []
    # One distinct, safe stem per table and figure: names built from metadata values may collide.
    figures = content.figure_specs(results)
    table_stems = unique_stems(results.tables)
    figure_stems = unique_stems(figures)

    for name, table in results.tables.items():
        stem = table_stems[name]
        write_csv(table, tmp / "tables" / f"{stem}.csv", float_digits=rcfg.float_digits)
        # The CSV is complete; its Markdown rendering stops at MD_MAX_ROWS rows and says so.
        (tmp / "tables" / f"{stem}.md").write_text(
            f"# {markdown_text(name)}\n\n" + markdown_table(table, float_digits=rcfg.float_digits,
                                                           max_rows=MD_MAX_ROWS), encoding="utf-8")
        files += [f"tables/{stem}.csv", f"tables/{stem}.md"]

    figure_files: dict[str, str] = {}
    png_bytes: dict[str, bytes] = {}
    cache = Path(cfg.preprocess.cache_dir) / "figures" if cfg.preprocess.cache_dir else None
    jobs = [(name, spec, tmp / "figures" / figure_stems[name]) for name, spec in figures.items()]
    for name, paths in zip([j[0] for j in jobs], _render_all(jobs, cfg=cfg, cache=cache)):
        files += [f"figures/{p.name}" for p in paths]
        main = next((p for p in paths if p.suffix == ".png"), paths[0])
        figure_files[name] = f"figures/{main.name}"
        if main.suffix == ".png":
            png_bytes[name] = main.read_bytes()

    sections = content.sections(results, figures=figures)
    md = _render_markdown(sections, results=results, figure_files=figure_files, table_stems=table_stems, cfg=cfg)
    (tmp / "report.md").write_text(md, encoding="utf-8")
    files.append("report.md")
    if rcfg.html:
        html = _render_html(sections, results=results, png_bytes=png_bytes, table_stems=table_stems, cfg=cfg)
        (tmp / "index.html").write_text(html, encoding="utf-8")
        files.append("index.html")

    files.append(write_report_marker(tmp, files + ["run.json"]))
    outputs = sorted(set(files) | {"run.json"})
    run = {
        "textanalytics": __version__,
        "versions": {"python": platform.python_version(), "textanalytics": __version__,
                     **package_versions(RECORDED_PACKAGES)},
        "config": to_dict(recorded),
        "inputs": input_digests(corpus_path, exclude=exclude),
        "resources": resource_digests(cfg.preprocess),
        "codebook": file_digest(Path(cfg.themes.codebook)) if cfg.themes.codebook else "",  # [themes]
        "seed": cfg.seed,
        "model_seeds": list(results.model_seeds),
        "chosen_k": results.topic_k,
        "k_reason": results.topic_k_reason,
        "skipped": list(results.skipped),
        "problems": dict(results.problem_counts),
        "outputs": outputs,
        "float_digits": rcfg.float_digits,
        # The write stage is still running: its time up to this file (run.json is written last).
        "timings": {**results.clock.timings,
                    **({"write report": round(time.perf_counter() - writing, 3)} if writing is not None else {}),
                    "total": round(time.perf_counter() - started, 3)},
    }
    (tmp / "run.json").write_text(json.dumps(run, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
    return outputs


_JOBS: list = []  # figures to render, shared with forked workers (never pickled)


def _render_job(i: int) -> list[str]:
    spec, stem, cfg, cached = _JOBS[i]
    return [str(p) for p in _render_figure(spec, stem, cfg=cfg, cached=cached)]


def _render_all(jobs: list, *, cfg: AnalysisConfig, cache: Path | None) -> list[list[Path]]:
    """Write every figure: copies of cached renders, the rest drawn; on Linux, on two forked workers.

    Rendering is CPU-bound matplotlib work; workers are forked (only when two or
    more figures need drawing) so the figure specs (functions and tables) are
    shared, not serialised. Output files do not depend on which process drew them.
    """
    global _JOBS
    formats = tuple(cfg.report.formats)
    done: list[list[Path] | None] = []
    todo = []
    for name, spec, stem in jobs:
        cached = _cached_renders(spec, cfg=cfg, cache=cache)
        if cached and all(p.is_file() for p in cached):
            done.append(_copy_renders(cached, stem=stem, formats=formats))
        else:
            done.append(None)
            todo.append((len(done) - 1, (spec, stem, cfg, cached)))
    _JOBS = [job for _, job in todo]
    try:
        workers = min(2, available_cores(), len(todo))
        # Fork only on Linux: it is unsafe on macOS (system frameworks) and missing on Windows.
        if workers > 1 and sys.platform.startswith("linux"):
            with forked_pool(workers) as pool:
                drawn = pool.map(_render_job, range(len(todo)), chunksize=1)
        else:
            drawn = [_render_job(i) for i in range(len(todo))]
    finally:
        _JOBS = []
    for (i, _), paths in zip(todo, drawn):
        done[i] = [Path(p) for p in paths]
    for (name, _, _), paths in zip(jobs, done):
        log.debug("figure %s: %s", name, ", ".join(p.name for p in paths))
    return done


def _cached_renders(spec, *, cfg: AnalysisConfig, cache: Path | None) -> list[Path] | None:
    """Where the figure cache keeps ``spec``'s renders, one file per format (None: not cacheable).

    The key covers the plot function, its input tables and parameters, the
    package and matplotlib versions, the output settings and ``SAVE_REVISION`` (how
    ``save_figure`` writes files), so a cached file is byte-identical to a fresh render.
    """
    if cache is None or not isinstance(spec, FigureSpec):
        return None
    formats, dpi = tuple(cfg.report.formats), cfg.report.dpi
    key = digest(f"{spec.key()}|{formats}|{dpi}|{SAVE_REVISION}")[:32]
    return [cache / f"{key}.{fmt}" for fmt in formats]


def _copy_renders(cached: list[Path], *, stem: Path, formats: tuple[str, ...]) -> list[Path]:
    out = []
    for fmt, source in zip(formats, cached):
        target = stem.parent / f"{stem.name}.{fmt}"  # not with_suffix: a stem may hold a dot
        shutil.copyfile(source, target)
        out.append(target)
    return out


def _render_figure(spec, stem: Path, *, cfg: AnalysisConfig, cached: list[Path] | None) -> list[Path]:
    """Draw one figure in every configured format; store the files in the cache when it has a place."""
    figure = spec.render() if isinstance(spec, FigureSpec) else spec
    paths = save_figure(figure, stem, formats=tuple(cfg.report.formats), dpi=cfg.report.dpi)
    for path, place in zip(paths, cached or []):
        with atomic_write(place) as tmp:
            shutil.copyfile(path, tmp)
    return paths


def _render_markdown(sections, *, results, figure_files: dict[str, str], table_stems: dict[str, str],
                     cfg: AnalysisConfig) -> str:
    # Every piece of text may carry corpus text or metadata: HTML and link brackets are escaped.
    esc = markdown_text
    lines = [f"# {esc(content.title(results))}", "", esc(content.subtitle(results)), "",
             esc(problem_line(results.problem_counts)), ""]
    lines += [explorer.MARKDOWN_LINE, ""] if cfg.report.html else []
    for s in sections:
        lines += [f"## {esc(s['heading'])}", ""]
        for b in s["blocks"]:
            kind = b["kind"]
            if kind == "text":
                lines += [esc(b["text"]), ""]
            elif kind == "note":
                lines += [f"> **Note.** {esc(b['text'])}", ""]
            elif kind == "list":
                lines += [f"- {esc(item)}" for item in b["items"]] + [""]
            elif kind == "figure":
                lines += [f"![{esc(b['caption'])}]({figure_files[b['name']]})", "", f"*{esc(b['caption'])}*", ""]
            elif kind == "table":
                table = results.tables[b["name"]]
                lines += [f"**{esc(b['caption'])}** (`tables/{table_stems[b['name']]}.csv`)", "",
                          markdown_table(presentation.block_view(table, b),
                                         float_digits=cfg.report.float_digits, max_rows=b.get("max_rows", 20)), ""]
    return "\n".join(lines).rstrip() + "\n"


def _render_html(sections, *, results, png_bytes: dict[str, bytes], table_stems: dict[str, str],
                 cfg: AnalysisConfig) -> str:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("textanalytics.report", "templates"),
        autoescape=True,  # every piece of corpus text and metadata is escaped
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    html_sections = []
    for s in sections:
        blocks = []
        for b in s["blocks"]:
            if b["kind"] == "figure":
                blocks.append({**b, "png_base64": base64.b64encode(png_bytes[b["name"]]).decode("ascii")})
            elif b["kind"] == "table":
                table = results.tables[b["name"]]
                table = presentation.block_view(table, b)
                limit = b.get("html_rows", 200)
                shown = format_frame(table.head(limit), float_digits=cfg.report.float_digits)
                blocks.append({**b, "columns": list(shown.columns),
                               "rows": [[("" if pd.isna(v) else v) for v in row] for row in shown.itertuples(index=False)],
                               "n_rows": len(table), "truncated": len(table) > limit,
                               "file": f"{table_stems[b['name']]}.csv", "open": b.get("open", False)})
            else:
                blocks.append(b)
        html_sections.append({"heading": s["heading"], "anchor": safe_filename(s["heading"]), "blocks": blocks})
    kwic_rows = []
    if results.kwic is not None and len(results.kwic):
        for r in results.kwic.itertuples(index=False):
            kwic_rows.append({"query": str(r.query), "statement_id": str(r.statement_id),
                              "paragraph": int(r.paragraph), "left": str(r.left),
                              "match": str(r.match), "right": str(r.right)})
    template = env.get_template("index.html.j2")
    return template.render(title=content.title(results), subtitle=content.subtitle(results),
                           problem_line=problem_line(results.problem_counts), sections=html_sections,
                           kwic_rows=kwic_rows, version=__version__,
                           corpus_source=Path(cfg.corpus.path).name, seed=cfg.seed,
                           **explorer.page_context(results))
