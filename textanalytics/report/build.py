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
import hashlib
import io
import json
import logging
import platform
import time
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from .. import __version__
from ..config import AnalysisConfig, load_config, resolve_paths, to_dict
from ..errors import InputError
from ..workers import init_worker
from . import content
from ..output_folder import atomic_output_folder, check_output_folder, write_report_marker
from ..corpus.summary import problem_line
from ..preprocessing.cache import resource_digests
from .io import markdown_table, markdown_text, safe_filename, save_figure, unique_stems, write_csv

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


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "textanalytics": __version__}
    for name in RECORDED_PACKAGES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _hash_inputs(path: Path, *, exclude: tuple[Path | None, ...] = ()) -> dict[str, str]:
    """SHA-256 of every input file under ``path`` (or of the file itself), by relative name.

    Folders in ``exclude`` (the report being written, the cache), their
    temporary siblings and symbolic links are never hashed: a report written
    inside a folder corpus must not hash itself.
    """
    from ..preprocessing.cache import file_digest

    skip = [Path(e).resolve() for e in exclude if e]

    def owned(p: Path) -> bool:
        for folder in skip:
            for q in (p, *p.parents):
                if q == folder or (q.parent == folder.parent and q.name.startswith(f".{folder.name}.")):
                    return True
        return False

    files = [path] if path.is_file() else sorted(
        p for p in path.rglob("*") if p.is_file() and not p.is_symlink() and not owned(p.resolve()))

    return {f.name if path.is_file() else f.relative_to(path).as_posix(): file_digest(f) for f in files}


def _png_base64(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


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
    from ..pipeline import run_analysis

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
        with atomic_output_folder(out_dir) as tmp:
            files = _write_all(tmp, cfg=cfg, recorded=recorded, results=results, corpus_path=corpus_path,
                               exclude=(out_dir, Path(cfg.preprocess.cache_dir) if cfg.preprocess.cache_dir
                                        else None), started=started)
    log.info("report written to %s (%d files)", out_dir, len(files))
    return ReportResult(out=Path(out_dir), files=tuple(files), k=results.topic_k,
                        skipped=tuple(results.skipped), timings=dict(results.clock.timings),
                        problems=dict(results.problem_counts))


def _write_all(tmp: Path, *, cfg: AnalysisConfig, recorded: AnalysisConfig, results, corpus_path: Path,
               exclude: tuple[Path | None, ...], started: float) -> list[str]:
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
        "versions": _versions(),
        "config": to_dict(recorded),
        "inputs": _hash_inputs(corpus_path, exclude=exclude),
        "resources": resource_digests(cfg.preprocess),
        "seed": cfg.seed,
        "model_seeds": list(results.model_seeds),
        "chosen_k": results.topic_k,
        "k_reason": results.topic_k_reason,
        "skipped": list(results.skipped),
        "problems": dict(results.problem_counts),
        "outputs": outputs,
        "float_digits": rcfg.float_digits,
        "timings": {**results.clock.timings, "total": round(time.perf_counter() - started, 3)},
    }
    (tmp / "run.json").write_text(json.dumps(run, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
    return outputs


_JOBS: list = []  # figures to render, shared with forked workers (never pickled)


def _render_job(i: int) -> list[str]:
    name, spec, stem, cfg, cache = _JOBS[i]
    return [str(p) for p in _figure_files(spec, stem, cfg=cfg, cache=cache)]


def _render_all(jobs: list, *, cfg: AnalysisConfig, cache: Path | None) -> list[list[Path]]:
    """Render every figure; on Linux, on two forked worker processes.

    Rendering is CPU-bound matplotlib work; workers are forked so the figure
    specs (functions and tables) are shared, not serialised. Output files do not
    depend on which process drew them.
    """
    import multiprocessing as mp
    import sys

    from ..topics.fit import available_cores

    global _JOBS
    _JOBS = [(name, spec, stem, cfg, cache) for name, spec, stem in jobs]
    try:
        workers = min(2, available_cores(), len(jobs))
        # Fork only on Linux: it is unsafe on macOS (system frameworks) and missing on Windows.
        if workers > 1 and sys.platform.startswith("linux"):
            with mp.get_context("fork").Pool(workers, initializer=init_worker) as pool:
                done = pool.map(_render_job, range(len(jobs)), chunksize=1)
        else:
            done = [_render_job(i) for i in range(len(jobs))]
    finally:
        _JOBS = []
    for (name, _, _), paths in zip(jobs, done):
        log.debug("figure %s: %s", name, ", ".join(Path(p).name for p in paths))
    return [[Path(p) for p in paths] for paths in done]


def _figure_files(spec, stem: Path, *, cfg: AnalysisConfig, cache: Path | None) -> list[Path]:
    """Write one figure in every configured format, reusing cached renders of identical content.

    The cache key covers the plot function, its input tables and parameters, the
    package and matplotlib versions and the output settings, so a cached file is
    byte-identical to a fresh render.
    """
    import shutil

    from .figures import FigureSpec

    formats, dpi = tuple(cfg.report.formats), cfg.report.dpi
    if not isinstance(spec, FigureSpec):
        return save_figure(spec, stem, formats=formats, dpi=dpi)
    key = hashlib.sha256(f"{spec.key()}|{formats}|{dpi}".encode()).hexdigest()[:32]
    if cache is not None and all((cache / f"{key}.{fmt}").is_file() for fmt in formats):
        out = []
        for fmt in formats:
            target = stem.parent / f"{stem.name}.{fmt}"  # not with_suffix: a stem may hold a dot
            shutil.copyfile(cache / f"{key}.{fmt}", target)
            out.append(target)
        return out
    paths = save_figure(spec.render(), stem, formats=formats, dpi=dpi)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        for p in paths:
            tmp = cache / f".{key}.{p.suffix[1:]}.tmp"
            shutil.copyfile(p, tmp)
            tmp.replace(cache / f"{key}{p.suffix}")
    return paths


def _render_markdown(sections, *, results, figure_files: dict[str, str], table_stems: dict[str, str],
                     cfg: AnalysisConfig) -> str:
    # Every piece of text may carry corpus text or metadata: HTML and link brackets are escaped.
    esc = markdown_text
    lines = [f"# {esc(content.title(results))}", "", esc(content.subtitle(results)), "",
             esc(problem_line(results.problem_counts)), ""]
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
                          markdown_table(table[b.get("columns") or list(table.columns)],
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
                from .io import format_frame

                table = results.tables[b["name"]]
                table = table[b.get("columns") or list(table.columns)]
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
                           corpus_source=Path(cfg.corpus.path).name, seed=cfg.seed)
