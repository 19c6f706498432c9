"""The `newsflow` command: a thin shell over `pipeline.run` and the stage modules."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import duckdb
import typer
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Column, Table
from rich.text import Text

from pipeline import backfill as backfills
from pipeline import run as chain
from pipeline import store
from pipeline.classify import Classifier, default_classifier
from pipeline.config import ROOT, Settings
from pipeline.errors import NewsflowError
from pipeline.sources import FeedSource, load_feeds

app = typer.Typer(help="newsflow: news feeds -> pages -> text -> topics -> DuckDB.",
                  no_args_is_help=True, add_completion=False)
#: Text from outside (titles, queries, ids, errors) is printed as it is: no Rich markup is read in
#: it, so "[video]" in a title stays and "[/x]" cannot break a command. Styles are set explicitly.
console = Console(stderr=False, markup=False, emoji=False)  # text from pages and users is shown as it is
err = Console(stderr=True, markup=False, emoji=False)

DbOpt = Annotated[Path | None,
                  typer.Option("--db", help="DuckDB file [default: data/newsflow.duckdb]")]
FeedsOpt = Annotated[Path | None,
                     typer.Option("--feeds", help="feed list YAML [default: config/feeds.yaml]")]
SampleOpt = Annotated[bool, typer.Option("--sample", help="use the bundled sample, served on 127.0.0.1")]
BatchOpt = Annotated[int | None, typer.Option("--batch-size", help="pages per processing batch")]
AllowOpt = Annotated[list[str] | None, typer.Option(
    "--allow-host", help="fetch this host (or host:port) even if it is private or local (repeatable)")]

DEMO_DB = ROOT / "data" / "demo.duckdb"  # beside the default database, wherever it is run from
#: Sample runs give up on a slow server after this many seconds (the sample has one on purpose).
SAMPLE_TIMEOUT = 3.0


def _fail(message: str) -> None:
    err.print(f"newsflow: {message}", style="red", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _writable(path: Path | None, option: str) -> None:
    """Refuse an output file that cannot be written, before the work that would fill it."""
    if path is None:
        return
    folder = path.parent if str(path.parent) else Path(".")
    why = ("it is a folder" if path.is_dir() else "no such folder" if not folder.is_dir()
           else "the folder is not writable" if not os.access(folder, os.W_OK) else None)
    if why:
        _fail(f"{option} {path}: cannot write there: {why}")


@contextmanager
def _feeds(settings: Settings, sample: bool) -> Iterator[tuple[Settings, list[FeedSource]]]:
    """The feed list, and for --sample the local server that serves it."""
    if sample:
        from pipeline.sample.server import SAMPLE_PORT, sample_feeds, serve

        with serve(port=SAMPLE_PORT) as base:
            # our own server on 127.0.0.1: allowed past the address guard, no politeness delay, and
            # every feed polled every time (a demo rerun polls the same feeds, and finds nothing new)
            host = urlsplit(base).netloc
            yield (settings.with_(read_timeout=SAMPLE_TIMEOUT, deadline=SAMPLE_TIMEOUT,
                                  allow_hosts=[*settings.allow_hosts, host], per_host_delay=0.0,
                                  per_host_concurrency=settings.concurrency,
                                  respect_feed_hints=False, feed_backoff=0.0),
                   sample_feeds(base))
    else:
        yield settings, load_feeds(settings.feeds_file)


def _settings(db: Path | None = None, feeds: Path | None = None,
              batch_size: int | None = None, allow_hosts: list[str] | None = None,
              *, existing: bool = False) -> Settings:
    """The settings of a command; `existing`: the command works on a database that must be there
    already (a mistyped --db must not make a new, empty one)."""
    try:
        settings = Settings.from_env().with_(db=db, feeds_file=feeds, batch_size=batch_size)
        if allow_hosts:
            settings = settings.with_(allow_hosts=[*settings.allow_hosts, *allow_hosts])
    except NewsflowError as exc:
        _fail(str(exc))
    if existing and not settings.db.exists():
        _fail(f"{settings.db}: no such database (run 'newsflow init' or 'newsflow run' first)")
    return settings


class _Bars:
    """rich progress bars, one per stage (an unknown total, 0, draws a pulsing bar)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def start(self, stage: str, total: int) -> None:
        self.tasks[stage] = self.progress.add_task(stage, total=total or None)

    def advance(self, stage: str, n: int = 1) -> None:
        self.progress.advance(self.tasks[stage], n)


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.1f}/s" if task.speed else "", style="progress.data.speed")


@contextmanager
def _reporting(label: str) -> Iterator[chain.Reporter]:
    """Progress of a long command: bars with the rate and an ETA on a terminal; elsewhere (logs,
    CI) a line every NEWSFLOW_PROGRESS_SECONDS (default 30) on stderr, and one at the end."""
    from pipeline import progress

    if console.is_terminal:
        bars = Progress(TextColumn("{task.description:>9}"), BarColumn(), MofNCompleteColumn(),
                        _Rate(), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                        console=console, transient=False)
        with bars:
            yield _Bars(bars)
        return
    lines = progress.Lines(label, stream=sys.stderr,
                           every=float(os.environ.get("NEWSFLOW_PROGRESS_SECONDS", progress.EVERY)))
    try:
        yield lines
    finally:
        lines.close()


@app.command()
def init(db: DbOpt = None) -> None:
    """Create the database file and apply the schema migrations."""
    settings = _settings(db)
    try:
        with store.connect(settings.db) as con:
            applied = store.migrate(con, settings.sql_dir)
    except NewsflowError as exc:
        _fail(str(exc))
    console.print(f"{settings.db}: {len(applied)} migration(s) applied"
                  + (f" ({', '.join(applied)})" if applied else ", schema up to date"))


@app.command("run")
def run_cmd(feeds: FeedsOpt = None, db: DbOpt = None, sample: SampleOpt = False,
            batch_size: BatchOpt = None, allow_host: AllowOpt = None) -> None:
    """Run the whole chain once: poll, fetch, extract, classify, load. Prints a summary."""
    try:
        settings = _settings(db, feeds, batch_size, allow_host)
    except NewsflowError as exc:
        _fail(str(exc))
    try:
        with _feeds(settings, sample) as (settings, feed_list), _reporting("run") as reporter:
            summary = chain.run(settings, feed_list, trigger="cli:sample" if sample else "cli",
                                reporter=reporter)
    except NewsflowError as exc:
        _fail(str(exc))
    _print_summary(summary, settings)


@app.command("poll")
def poll_cmd(feeds: FeedsOpt = None, db: DbOpt = None, sample: SampleOpt = False,
             allow_host: AllowOpt = None) -> None:
    """Poll the feeds and record new entries, without fetching pages."""
    try:
        settings = _settings(db, feeds, allow_hosts=allow_host)
    except NewsflowError as exc:
        _fail(str(exc))
    try:
        with _feeds(settings, sample) as (settings, feed_list), _reporting("poll") as reporter:
            run_id = chain.new_run_id("poll")
            chain.begin(settings, feed_list, run_id, "cli:poll")
            summary = chain.RunSummary(run_id)
            with summary.timed("poll"):
                polls, new = chain.poll_step(settings, feed_list, run_id, reporter)
            summary.status = "success"
            summary.counts.update(chain.poll_counts(polls, new))
            chain.finish(settings, summary)
    except NewsflowError as exc:
        _fail(str(exc))
    table = Table("feed", "status", "HTTP", "entries", "error", title="Poll")
    for p in polls:
        colour = {"ok": "green", "partial": "yellow", "not_modified": "green", "skipped": "yellow"}.get(
            p.status, "red")
        table.add_row(p.feed_id, Text(p.status, style=colour), str(p.http_status or "-"),
                      str(len(p.entries)), p.problem.message if p.problem else (p.note or ""))
    console.print(table)
    console.print(f"{new} new entries recorded in {settings.db}")


DateOpt = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])]


@app.command()
def cluster(db: DbOpt = None, since: DateOpt = None, until: DateOpt = None,
            new_only: Annotated[bool, typer.Option(
                "--new-only", help="cluster only texts new or changed since the last clustering, "
                "as the runs do (default: recompute every text of the range)")] = False) -> None:
    """Recompute story clusters (near-duplicates) for articles published in [--since, --until)."""
    settings = _settings(db, existing=True)
    try:
        result = chain.cluster_step(settings, since=_utc(since), until=_utc(until), full=not new_only)
    except NewsflowError as exc:
        _fail(str(exc))
    console.print(f"{result['clustered']} articles in {result['stories']} stories")


StageOpt = Annotated[str, typer.Option(
    "--stage", help="re-fetch (download again), re-extract (from stored pages) or re-classify")]


@app.command()
def backfill(feeds: FeedsOpt = None, db: DbOpt = None, since: DateOpt = None, until: DateOpt = None,
             stage: StageOpt = "re-extract",
             source: Annotated[list[str] | None, typer.Option(help="only this feed id (repeatable)")] = None,
             dry_run: Annotated[bool, typer.Option("--dry-run", help="only count the articles")] = False,
             batch_size: BatchOpt = None) -> None:
    """Reprocess the articles published in [--since, --until): fetch them again, extract them
    again from the stored pages, or classify them again. Reruns rewrite the same rows."""
    settings = _settings(db, feeds, batch_size, existing=True)
    try:
        wanted = backfills.Backfill.parse({"stage": stage, "since": _utc(since), "until": _utc(until),
                                           "feed_ids": tuple(source or ()), "dry_run": dry_run})
        feed_list = load_feeds(settings.feeds_file) if settings.feeds_file.exists() else []
        with _reporting(f"backfill {stage}") as reporter:
            summary = backfills.run(settings, feed_list, wanted, reporter=reporter)
    except NewsflowError as exc:
        _fail(str(exc))
    if dry_run:
        console.print(f"dry run: {summary.counts['selected']} articles would be reprocessed ({stage})")
        return
    _print_summary(summary, settings)


@app.command()
def refetch(feeds: FeedsOpt = None, db: DbOpt = None, since: DateOpt = None, until: DateOpt = None,
            feed: Annotated[list[str] | None, typer.Option(help="only this feed id (repeatable)")] = None,
            batch_size: BatchOpt = None) -> None:
    """Fetch loaded articles published in [--since, --until) again (`backfill --stage re-fetch`):
    changed pages become new versions (article_versions); the window is re-classified and re-clustered."""
    backfill(feeds=feeds, db=db, since=since, until=until, stage="re-fetch", source=feed,
             dry_run=False, batch_size=batch_size)


ModeOpt = Annotated[str | None, typer.Option(
    "--mode", help="semantic (default) or lexical [env NEWSFLOW_CLASSIFIER]")]


def _classifier(mode: str | None) -> Classifier:
    try:
        return default_classifier(mode or Settings.from_env().classifier)
    except (ValueError, NewsflowError) as exc:
        _fail(str(exc))
        raise


@app.command()
def classify(input: Annotated[Path, typer.Option(  # noqa: A002
                 "--input", help="JSON lines with id, title, text and optionally published (a date)")],
             mode: ModeOpt = None) -> None:
    """Classify news items from a JSONL file; prints one JSON object per line (id, relevant,
    score, peace, subtopics, scores) — the same code path as the pipeline. Headlines alone work;
    an item published before the war (24 February 2022) is off the story."""
    items: list[tuple[str, str | None, str | None, datetime | None]] = []
    line_no = 0
    try:
        for line_no, line in enumerate(input.read_text(encoding="utf-8-sig").splitlines(), 1):  # noqa: B007
            if not line.strip():
                continue
            obj = json.loads(line)
            if not isinstance(obj, dict) or "id" not in obj:
                raise ValueError("expected an object with at least 'id'")
            odd = [k for k in ("title", "text", "published")
                   if obj.get(k) is not None and not isinstance(obj[k], str)]
            if odd:
                raise ValueError(f"{', '.join(odd)}: expected text, got "
                                 f"{', '.join(type(obj[k]).__name__ for k in odd)}")
            published = datetime.fromisoformat(obj["published"]) if obj.get("published") else None
            items.append((str(obj["id"]), obj.get("title"), obj.get("text"), published))
    except (OSError, ValueError) as exc:
        _fail(f"{input}: line {line_no}: {exc}" if line_no else f"{input}: {exc}")
    clf = _classifier(mode)
    for d in clf.classify(items):
        print(json.dumps({"id": d.article_id, "relevant": d.relevant, "score": d.score,
                          "peace": d.peace, "peace_score": d.peace_score, "subtopics": clf.assigned(d),
                          "scores": d.topic_scores,
                          "classifier": d.classifier_version}, ensure_ascii=False))


def _corrections(db: Path) -> list[dict[str, Any]]:
    """The analysts' corrections stored in `db` (newsflow label), as labelled items."""
    settings = _settings(db, existing=True)
    try:
        with store.open_db(settings, read_only=True) as con:
            return store.corrections(con, settings)
    except NewsflowError as exc:
        _fail(str(exc))
        raise
    except duckdb.CatalogException:
        _fail(f"{settings.db}: no labels table yet (an older schema): `newsflow init --db {db}` upgrades it")
        raise


def _reliability(items: list[dict[str, Any]], mine: Any, figures: dict[str, Any]) -> None:
    """`newsflow eval`'s table of what the chosen mode's scores mean: per band of score, the
    headlines and the share truly on the story; for peace, over those it put on the story."""
    from pipeline import evaluate

    gold = [i["relevant"] for i in items]
    on = [k for k, r in enumerate(mine.relevant) if r]
    rel = evaluate.reliability(gold, mine.score)
    peace = evaluate.reliability([items[k]["peace"] for k in on], [mine.peace_score[k] for k in on])
    brier = evaluate.brier(gold, mine.score)
    t = Table("score", "headlines", "mean", "on the story", "called on story", "peace mean",
              "about the talks",
              title=f"{mine.name}: what a score means, relevance and (for those it called on the "
                    f"story) peace; Brier score of relevance {brier:.3f}")

    def share(row: dict[str, Any]) -> tuple[str, str, str]:
        if not row["items"]:
            return "0", "", ""
        return str(row["items"]), f"{row['mean_score']:.2f}", f"{row['share_true']:.0%}"

    for r, p in zip(rel, peace, strict=True):
        t.add_row(f"{r['band'][0]:.1f}–{r['band'][1]:.1f}", *share(r), *share(p))
    console.print(t)
    figures["reliability"] = {"mode": mine.name, "relevance": rel, "peace": peace,
                              "brier_relevance": brier}


@app.command("eval")
def eval_cmd(mode: ModeOpt = None,
             split: Annotated[str, typer.Option(
                 help="split of the real headlines: test (default) or dev")] = "test",
             worst: Annotated[int, typer.Option(help="false positives and negatives to list")] = 10,
             pages: Annotated[bool, typer.Option(
                 help="also the real pages of shared/corpora/html, if present")] = True,
             db: Annotated[Path | None, typer.Option(
                 "--db", help="also the analysts' corrections in this database")] = None,
             json_out: Annotated[Path | None, typer.Option(
                 "--json", help="also write the figures to this JSON file")] = None) -> None:
    """Judge the classifier on real news, beside the baselines: relevance and peace P/R/F1 of the
    default mode, the lexical mode, the keyword query and the classifier as it was before the real
    labelled set; the worst mistakes with their explanations; the real pages; the written set's
    subtopics; the corrections not yet learned (--db)."""
    from pipeline import evaluate, labelled, relevance
    from pipeline.semantic import CachedEmbedder, SemanticClassifier

    if split not in ("test", "dev"):
        _fail(f"--split {split!r}: choose test or dev")
    if worst < 0:
        _fail(f"--worst {worst}: give 0 or more")
    if db is not None:
        _settings(db, existing=True)  # before a minute of evaluation, not after
    _writable(json_out, "--json")
    chosen = _classifier(mode)
    embedder = CachedEmbedder()
    semantic = SemanticClassifier(embedder=embedder)
    contenders: list[tuple[str, Classifier]] = [
        ("semantic (default)", semantic), ("lexical", default_classifier("lexical")),
        ("semantic as it was", SemanticClassifier(embedder=embedder, legacy=True))]

    figures: dict[str, Any] = {}

    def compare(items: list[dict], key: str, title: str) -> list[evaluate.Decided]:
        runs = [evaluate.run_classifier(name, clf, items) for name, clf in contenders]
        runs.insert(2, evaluate.keyword_query(items))
        gold_r, gold_p = [i["relevant"] for i in items], [i["peace"] for i in items]
        t = Table("", "relevance P", "R", "F1", "peace P", "R", "F1", "agrees", title=title)
        figures[key] = {"items": len(items), "relevant": sum(gold_r), "peace": sum(gold_p)}
        for d in runs:
            rel, peace = evaluate.binary(gold_r, d.relevant).prf, evaluate.binary(gold_p, d.peace).prf
            agrees = sum(p == g for p, g in zip(d.relevant, gold_r, strict=True)) / max(len(items), 1)
            t.add_row(d.name, *(f"{v:.3f}" for v in (*rel, *peace)), f"{agrees:.3f}")
            figures[key][d.name] = {"version": d.version, "relevance": rel, "peace": peace,
                                    "flagged": sum(d.relevant), "agrees": agrees}
        console.print(t)
        return runs

    rows = labelled.headlines()
    a = labelled.agreement(rows)
    console.print(f"labelled twice, independently: {a['items']} items; agreement on relevance "
                  f"{a['relevant_agree']:.3f} (Cohen's kappa {a['relevant_kappa']:.3f}), on peace "
                  f"{a['peace_agree']:.3f} (kappa {a['peace_kappa']:.3f})")
    items = labelled.headlines(split)
    figures["agreement"] = a
    runs = compare(items, "headlines", f"Real headlines (Google News US), {split} split: {len(items)} items, "
                          f"{sum(i['relevant'] for i in items)} on the story, "
                          f"{sum(i['peace'] for i in items)} on the peace talks")
    mine = next(r for r in runs if r.name.startswith(chosen.mode))
    for decision in ("relevant", "peace") if worst else ():
        fps, fns = evaluate.worst(items, mine, worst, decision)
        for label, rows_ in (("false positives (highest scores)", fps),
                             ("false negatives (lowest scores)", fns)):
            t = Table("score", "date", "headline", "why",
                      title=f"{mine.name}: worst {'peace ' if decision == 'peace' else ''}{label}")
            for item, sc, ex in rows_:
                t.add_row(f"{sc:.2f}", str(item.get("date", "")), item["title"],
                          relevance.reason(ex, decision))
            console.print(t)
    _reliability(items, mine, figures)
    if pages:
        real_pages = labelled.pages()
        if not real_pages:
            console.print(f"real pages: {labelled.CORPORA_DIR} not found; their figures are left out")
        else:
            compare(real_pages, "pages", f"Real web pages (shared/corpora/html): {len(real_pages)} pages, "
                                f"{sum(p['relevant'] for p in real_pages)} on the story")
    own = labelled.own("test")
    decisions = chosen.classify((i["id"], i["title"], i["text"]) for i in own)
    report = evaluate.score(own, [d.relevant for d in decisions], [chosen.assigned(d) for d in decisions],
                            chosen.taxonomy.subtopic_ids)
    t = Table("", "precision", "recall", "F1", "support",
              title=f"{chosen.version}: the written set's test split ({len(own)} items, 5 languages)")
    p, r, f = report.relevance
    t.add_row("relevance", f"{p:.3f}", f"{r:.3f}", f"{f:.3f}",
              str(report.confusion["tp"] + report.confusion["fn"]), end_section=True)
    for name, (p, r, f, n) in report.subtopics.items():
        t.add_row(name, f"{p:.3f}", f"{r:.3f}", f"{f:.3f}", str(n))
    t.add_row("subtopic macro-F1", "", "", f"{report.macro_f1:.3f}", "")
    console.print(t)
    figures["written"] = {"version": chosen.version, "relevance": report.relevance,
                          "subtopic_macro_f1": report.macro_f1}
    if db is not None:
        fixes = _corrections(db)
        heads = getattr(chosen, "heads", None)
        cutoff = heads.trained_on.get("corrections_until") if heads is not None else None
        unlearned = [c for c in fixes if cutoff is None or c["labelled_at"].isoformat() > cutoff]
        if unlearned:
            compare(unlearned, "corrections",
                    f"Analysts' corrections not yet learned: {len(unlearned)} of {len(fixes)}")
        else:
            console.print(f"analysts' corrections: {len(fixes)}, all learned by the current model")
    if json_out is not None:
        json_out.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")


@app.command("eval-extract")
def eval_extract(corpus: Annotated[Path | None, typer.Option(
                     "--corpus", help="the shared corpora/html folder [default: $NEWSFLOW_CORPUS, else "
                             "shared/corpora/html beside the checkout]"
                 )] = None,
                 limit: Annotated[int | None, typer.Option(help="only the first N pages")] = None,
                 worst: Annotated[int, typer.Option(help="wrong dates and bylines to list")] = 5,
                 json_out: Annotated[Path | None, typer.Option(
                     "--json", help="also write the figures to this JSON file")] = None) -> None:
    """Judge the extract stage on real pages with gold annotations, beside bare trafilatura with
    the same options in the same run: body text (snippet F1 on trafilatura-eval, token F1 on
    mozilla-readability), title, exact day of the date, exact authors, time per page; news pages
    (labelled by reading) and the others apart."""
    from pipeline import extract_eval, labelled

    if limit is not None and limit < 1:
        _fail(f"--limit {limit}: give a positive number")
    _writable(json_out, "--json")
    root = corpus or labelled.CORPORA_DIR
    try:
        cases = extract_eval.load_cases(root)
    except FileNotFoundError as exc:
        _fail(f"{exc} (give --corpus)")
    cases = cases[:limit] if limit else cases
    with _reporting("extract") as reporter:
        reporter.start("extract", len(cases))
        outcomes = list(extract_eval.run(cases, progress=lambda: reporter.advance("extract")))
    table = extract_eval.score(outcomes)
    t = Table("pages", "", "n", "body F1", "title", "date (day)", "authors", "ms/page",
              title=f"Extraction on {len(cases)} real pages ({root})")
    for group in extract_eval.groups(table):
        for name in extract_eval.EXTRACTORS:
            sc = table.get((group, name))
            if sc is None:
                continue
            t.add_row(group, name, str(sc.pages), _pct(sc.body_f1), _rate(sc.title), _rate(sc.day),
                      _rate(sc.authors), f"{1000 * sc.seconds / sc.pages:.0f}")
    Console(width=max(console.width, 132), markup=False, emoji=False).print(t)
    for what in ("day", "authors"):
        wrong = extract_eval.misses(outcomes, what)
        shown = min(worst, len(wrong))
        console.print(Text.assemble((f"{len(wrong)} pages with the wrong {what}", "bold"),
                                    f", the first {shown}:"))
        for case, said in wrong[:worst]:
            console.print(f"  {case.set}/{case.page}: {said}", highlight=False)
    if json_out:
        json_out.write_text(json.dumps(extract_eval.figures(table), indent=2))
        console.print(f"figures written to {json_out}")


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}"


def _rate(hits: list[bool]) -> str:
    return f"{100 * sum(hits) / len(hits):.1f} ({len(hits)})" if hits else ""


@app.command()
def label(article_id: Annotated[str, typer.Argument(help="the article's id (articles.article_id)")],
          relevant: Annotated[str, typer.Option("--relevant", help="yes or no: is it on the story?")],
          peace: Annotated[str | None, typer.Option(
              "--peace", help="yes or no: is it about negotiating an end to the war?")] = None,
          by: Annotated[str | None, typer.Option(
              "--by", help="who corrects [default: your user name]")] = None,
          note: Annotated[str | None, typer.Option("--note", help="why, in a few words")] = None,
          db: DbOpt = None) -> None:
    """Correct the classifier on one article. The correction wins in the current_* views at once,
    and is published for analysts and the review queue (the model's decision stays beside it);
    `newsflow train` learns from it."""
    import getpass

    def yes_no(name: str, value: str | None) -> bool | None:
        if value is None:
            return None
        if value.lower() not in ("yes", "no"):
            _fail(f"--{name} {value!r}: say yes or no")
        return value.lower() == "yes"

    is_relevant = yes_no("relevant", relevant)
    is_peace = yes_no("peace", peace)
    if is_peace and not is_relevant:
        _fail("--peace yes needs --relevant yes: only an article on the story can be about the talks")
    settings = _settings(db, existing=True)
    try:
        with store.open_db(settings) as con:
            found = store.save_label(con, settings, article_id, relevant=bool(is_relevant),
                                     peace=is_peace, by=by or getpass.getuser(), note=note)
            target = None if found else store.label_target(con, settings, article_id)
    except NewsflowError as exc:
        _fail(str(exc))
    if not found and target is None:
        _fail(f"article {article_id!r} is not in {settings.db}")
    if not found:
        status, why = target or ("", "")
        _fail(f"article {article_id!r} has no decision to correct: its extraction is {status!r}"
              + (f" ({why})" if why else "") + "; the classifier only decides articles with a text")
    said = (f"{article_id}: relevant {'yes' if is_relevant else 'no'}"
            + (f", peace {'yes' if is_peace else 'no'}" if is_peace is not None else ""))
    _publish_now(settings, f"{said}: wins in current_classifications")


def _publish_now(settings: Settings, said: str) -> None:
    """Publish a small change for analysts at once (a correction, a re-enabled feed): only to a
    DuckLake these settings find (another would be built whole, and take the pending changes
    that belong to the real one: a shell without the deployment's NEWSFLOW_LAKE_CATALOG)."""
    from pipeline import lake, publish

    if not lake.exists(settings):
        console.print(f"{said}; no published snapshot at {lake.catalog(settings)}: the next publish "
                      "carries it", highlight=False, soft_wrap=True)
        return
    try:
        publish.publish(settings)
    except NewsflowError as exc:
        err.print(f"{said}; not yet published: {exc}; the next publish carries it",
                  style="yellow", highlight=False, soft_wrap=True)
        return
    console.print(f"{said}; published", highlight=False, soft_wrap=True)


@app.command()
def review(db: DbOpt = None, since: DateOpt = None,
           decision: Annotated[str, typer.Option(
               help="which call: any (the closer of the two), relevant or peace")] = "any",
           limit: Annotated[int, typer.Option(help="how many articles")] = 20) -> None:
    """The articles whose decisions the model is least sure of and no analyst has corrected,
    closest to a decision line first (the `review_queue` view of the published snapshot): where
    its mistakes gather, for `newsflow label` to correct."""
    from pipeline import publish, relevance

    if decision not in ("any", "relevant", "peace"):
        _fail(f"--decision {decision!r}: choose any, relevant or peace")
    if limit < 1:
        _fail(f"--limit {limit}: give a positive number")
    settings = _settings(db)
    try:
        with publish.read(settings) as con:
            rows = con.execute(store.sql(settings, "report/review"),
                               {"decision": decision, "since": _utc(since), "limit": limit}).fetchall()
    except NewsflowError as exc:
        _fail(str(exc))
    except duckdb.CatalogException:
        _fail(f"the snapshot of {settings.db} has no review_queue yet: it comes with the next publish "
              f"(newsflow publish --db {settings.db})")
    if not rows:
        window = f" among the articles published since {since:%Y-%m-%d}" if since else ""
        console.print(f"nothing to review{window}: every decision there is corrected, or none is published")
        return
    for k, (article, published, source, title, relevant, score, peace, peace_score, closest, _margin,
            explanation) in enumerate(rows, 1):
        ex = json.loads(explanation) if isinstance(explanation, str) else (explanation or {})
        call = decision if decision != "any" else closest
        scored = relevant and peace_score is not None  # a version that decided no peace has no score
        talks = f" · peace {'yes' if peace else 'no'} {peace_score:.2f}" if scored else ""
        console.print(f"{k:>2}. {title or '(untitled)'}", style="bold", highlight=False)
        day = f"{published:%Y-%m-%d} · " if published else ""
        story = f"on the story {'yes' if relevant else 'no'} {score:.2f}"
        console.print(f"    {day}{source or '-'} · {story}{talks} · closest call: {call}", highlight=False)
        console.print(f"    {article}", highlight=False)
        console.print(f"    why: {relevance.reason(ex, call)}", highlight=False, style="italic")
    console.print("Correct one with `newsflow label ARTICLE --relevant yes|no [--peace yes|no]`; "
                  "`newsflow train --db FILE` then learns from the corrections.", highlight=False)


@app.command()
def train(db: Annotated[Path | None, typer.Option(
        "--db", help="also learn from the analysts' corrections in this database")] = None,
          subtopics: Annotated[bool, typer.Option(
              help="also refit the subtopic models (after a taxonomy change)")] = False) -> None:
    """Fit the classifier: the relevance and peace heads of both modes on the real labelled
    headlines (train and dev splits), the written set's dev split and the corrections (--db);
    with --subtopics the subtopic models on the written set's dev split. Writes
    pipeline/topics/*.npz (commit them: they are the packaged model)."""
    from pipeline import train as fitting

    fixes = _corrections(db) if db is not None else []
    for path in fitting.fit_all(fixes, log=console.print, subtopics=subtopics):
        console.print(f"wrote {path}")


@app.command()
def reclassify(db: DbOpt = None, since: DateOpt = None, mode: ModeOpt = None) -> None:
    """Classify stored articles again (no refetching) with the current classifier version;
    earlier versions' rows stay queryable, the current_* views show the newest."""
    settings = _settings(db, existing=True)
    try:
        with _reporting("reclassify") as reporter:
            result = chain.reclassify(settings, since=_utc(since), classifier=_classifier(mode),
                                      reporter=reporter)
    except NewsflowError as exc:
        _fail(str(exc))
    console.print(f"{result['articles']} articles classified with {result['version']}: "
                  f"{result['relevant']} on topic")


def _utc(day: datetime | None) -> datetime | None:
    return day.replace(tzinfo=UTC) if day else None


@app.command()
def status(db: DbOpt = None, runs: Annotated[int, typer.Option(help="how many runs")] = 5) -> None:
    """Show the last runs and the health of every feed."""
    if runs < 0:
        _fail(f"--runs {runs}: give 0 or more")
    settings = _settings(db, existing=True)
    try:
        with store.connect(settings.db, read_only=True) as con:
            run_rows = con.execute(store.sql(settings, "report/last_runs"), {"n": runs}).fetchall()
            feed_rows = con.execute(store.sql(settings, "report/feed_health")).fetchall()
    except NewsflowError as exc:
        _fail(str(exc))
    t = Table("run", "trigger", "started", "status", "feeds ok/failed", "new articles",
              "on topic", title="Last runs")
    for r in run_rows:
        t.add_row(r[0], r[1], f"{r[2]:%Y-%m-%d %H:%M}", r[3], f"{r[4] or 0}/{r[5] or 0}",
                  str(r[6] or 0), str(r[7] or 0))
    if runs:  # --runs 0: the feeds alone
        console.print(t)
    for r in run_rows:  # why, under the table: the reasons are long
        if r[3] != "success" and r[8]:
            console.print(f"  {r[0]} {r[3]}: {r[8]}", highlight=False, soft_wrap=True)
    # ids and times never wrap; the error takes what width is left. "failed ×3": 3 in a row.
    f = Table(Column("feed", no_wrap=True), Column("last status", no_wrap=True),
              Column("last success", no_wrap=True), Column("polls", justify="right"),
              Column("articles", justify="right"), Column("last error", ratio=1, min_width=24),
              title="Feed health", box=box.SIMPLE_HEAD, expand=True)
    for r in feed_rows:
        waiting = r[4] == "skipped" and r[5]  # skipped after failures: backing off, or disabled
        off = ", disabled (newsflow enable-feed)" if r[8] else ", backing off"
        state = ("disabled" if not r[1] else ("failed" if waiting else r[4] or "-")
                 + (f" ×{r[5]}" if r[5] else "") + (off if waiting else ""))
        f.add_row(r[0], state, f"{r[3]:%m-%d %H:%M}" if r[3] else "-", str(r[2]), str(r[6]), r[7] or "")
    console.print(f)


@app.command("extract")
def extract_cmd(inputs: Annotated[list[str], typer.Argument(help="HTML files or http(s) URLs")],
                allow_host: AllowOpt = None) -> None:
    """Extract text and metadata from pages; prints one JSON object per input (with "error" when
    it failed). Exits 1 when any input failed."""
    from pipeline import extract, net

    settings = _settings(allow_hosts=allow_host)
    remote = any(i.startswith(("http://", "https://")) for i in inputs)
    client = net.make_client(settings) if remote else None
    failed = 0
    with client or nullcontext():
        for item in inputs:
            record: dict[str, object] = {"source": item}
            try:
                scheme = item.partition("://")[0].lower() if "://" in item else ""
                if scheme and scheme not in ("http", "https", "file"):
                    raise OSError(f"unsupported address {scheme}:// (give an http(s) URL or a file)")
                if client is not None and item.startswith(("http://", "https://")):
                    resp = net.get(client, item, max_bytes=settings.max_page_bytes,
                                   deadline_s=settings.deadline)
                    html: bytes | str = resp.body
                    url: str | None = resp.url
                else:
                    html, url = Path(item.removeprefix("file://")).read_bytes(), None
                fields = extract.page_fields(html, url)
                text = fields.text
                record.update(title=fields.title, authors=list(fields.authors),
                              date=fields.published.isoformat() if fields.published else None,
                              date_source=fields.date_source, date_zone=fields.published_zone,
                              language=extract.detect_language(text, fields.language),
                              text=text or None)
                if not text:
                    record["error"] = "no main text found"
            except (OSError, net.FetchError) as exc:
                record["error"] = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            failed += "error" in record
            print(json.dumps(record, ensure_ascii=False))
    if failed:
        raise typer.Exit(1)


@app.command()
def demo(db: Annotated[Path, typer.Option("--db", help="DuckDB file for the demo")] = DEMO_DB) -> None:
    """Run the whole chain on the bundled sample (served on 127.0.0.1) and show what loaded."""
    run_cmd(feeds=None, db=db, sample=True, batch_size=None, allow_host=None)
    settings = _settings(db)
    with store.connect(settings.db, read_only=True) as con:
        rows = con.execute(store.sql(settings, "report/demo_articles")).fetchall()
    t = Table("on topic", "score", "peace", "primary subtopic", "lang", "words",
              Column("title", no_wrap=True, overflow="ellipsis", ratio=1),
              title=f"Articles in {settings.db} (sql/report/demo_articles.sql)", expand=True)
    for r in rows:
        t.add_row(Text("yes", style="green") if r[0] else "no", f"{r[1]:.2f}" if r[1] is not None else "-",
                  "yes" if r[2] else "-", r[3] or "-", r[4] or "-", str(r[5]), r[6] or "")
    console.print(t)


@app.command("ingest-warc")
def ingest_warc(paths: Annotated[list[Path], typer.Argument(help="WARC files (.warc or .warc.gz)")],
                db: DbOpt = None, feeds: FeedsOpt = None, batch_size: BatchOpt = None) -> None:
    """Load the HTML responses of WARC files (a CC-NEWS file, another crawl) as articles: the
    same extract, classify and load stages as fetched pages, streamed batch by batch."""
    from pipeline import warc_ingest

    settings = _settings(db, feeds, batch_size)
    try:
        feed_list = load_feeds(settings.feeds_file) if settings.feeds_file.exists() else []
        with _reporting("ingest-warc") as reporter:
            summary = warc_ingest.ingest(settings, paths, feed_list, reporter=reporter)
    except NewsflowError as exc:
        _fail(str(exc))
    c = summary.counts
    skipped = sum(v for k, v in c.items() if k.startswith("skipped_"))
    console.print(f"{c['warc_records']} WARC records: {c['pages_fetched']} HTML pages, {skipped} "
                  f"other records passed over, {c['warc_errors']} refused")
    for kind, n in sorted((k, v) for k, v in c.items() if k.startswith("warcio: ")):
        console.print(f"{kind} ({n} records)", highlight=False)
    for problem in summary.problems:
        err.print(f"refused: {problem}", style="yellow", highlight=False, soft_wrap=True)
    _print_summary(summary, settings)
    if summary.status == "failed":
        _fail(f"{summary.error} (see above)")


@app.command("publish")
def publish_cmd(db: DbOpt = None,
                whole: Annotated[bool, typer.Option("--whole", help="rebuild them whole")] = False) -> None:
    """Carry what the loads wrote to the analysts' DuckLake and the search index (runs do this
    after each load); --whole rebuilds both from the database."""
    from pipeline import publish

    settings = _settings(db, existing=True)
    try:
        done = publish.publish(settings, whole=whole)
    except NewsflowError as exc:
        _fail(str(exc))
    what = "rebuilt whole" if done.whole else "carried"
    console.print(f"published {publish.where(settings)}: {done.articles} articles {what}", highlight=False)


@app.command("compact")
def compact_cmd(db: DbOpt = None,
                force: Annotated[bool, typer.Option("--force", help="even if little has piled up")] = False
                ) -> None:
    """Merge the small DuckLake files and search-index segments that publishes leave (runs and
    the news_report DAG do this when enough have piled up)."""
    from pipeline import publish

    settings = _settings(db, existing=True)
    try:
        done = publish.compact(settings, force=force)
    except NewsflowError as exc:
        _fail(str(exc))
    console.print("compacted" if done else "nothing to compact yet (--force to compact anyway)")


@app.command()
def search(query: Annotated[str, typer.Argument(help="words to look for (BM25 over title and text)")],
           db: DbOpt = None,
           topic: Annotated[str | None, typer.Option(help="only this primary subtopic id "
                                                      "(the story's id: any on-topic article)")] = None,
           since: DateOpt = None,
           limit: Annotated[int, typer.Option(help="how many hits")] = 10) -> None:
    """Full-text search of the published snapshot: ranked hits with snippets."""
    from pipeline import fts, publish

    settings = _settings(db)
    try:
        with publish.read(settings) as con:
            hits = fts.search(con, settings, query, topic=topic, since=_utc(since), limit=limit)
    except NewsflowError as exc:
        _fail(str(exc))
    if not hits:
        narrowed = " and ".join(f"--{name} {value}" for name, value in (("topic", topic), (
            "since", f"{since:%Y-%m-%d}" if since else None)) if value)
        console.print(f"no articles match {query!r}" + (f" with {narrowed}" if narrowed else
                                                         f" (search reads {fts.QUERY_HELP})"))
    for i, h in enumerate(hits, 1):
        day = f"{h.published:%Y-%m-%d}" if h.published else "----------"
        mark = (Text(h.topic or "no subtopic", style="green") if h.on_topic
                else Text("off topic", style="dim"))
        console.print(Text.assemble((f"{i:>2}. {h.title or '(untitled)'}", "bold"), f"  score {h.score:.2f}"))
        console.print(Text.assemble(f"    {day} · {h.source or '-'} · ", mark, f" · {h.url}"))
        console.print(f"    {h.snippet}", highlight=False, style="italic")


@app.command("report")
def report_cmd(out: Annotated[Path, typer.Option("--out", help="HTML file to write")] = Path("report.html"),
               since: DateOpt = None, db: DbOpt = None) -> None:
    """Write the HTML report (charts and tables, one self-contained file) from the snapshot."""
    from pipeline import report

    settings = _settings(db)
    try:
        path = report.write_report(settings, out, since.date() if since else None)
    except NewsflowError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{out}: cannot write the report: {exc.strerror or exc}")
    console.print(f"wrote {path}")


@app.command("export")
def export_cmd(query: Annotated[str, typer.Option("--query", help="a SELECT over the tables and views")],
               out: Annotated[Path, typer.Option("--out", help="file to write")],
               fmt: Annotated[str | None, typer.Option(
                   "--format", help="parquet or csv [default: csv for a .csv file, else parquet]")] = None,
               db: DbOpt = None) -> None:
    """Export a query's rows from the read-only snapshot as Parquet or CSV (DuckDB COPY)."""
    from pipeline import export

    try:
        rows = export.export(_settings(db), query, export.format_for(out, fmt), out)
    except NewsflowError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{out}: cannot write: {exc.strerror or exc}")
    console.print(f"wrote {rows} rows to {out}")


@app.command("enable-feed")
def enable_feed(feed_id: Annotated[str, typer.Argument(help="the feed's id")], db: DbOpt = None) -> None:
    """Re-enable a feed disabled after repeated failures, and forget its backoff: the next run polls it."""
    settings = _settings(db, existing=True)
    try:
        with store.open_db(settings) as con:
            listed, disabled_at, failures = store.feed_standing(con, settings, feed_id)
            if listed and (disabled_at or failures):
                store.enable_feed(con, settings, feed_id)
    except NewsflowError as exc:
        _fail(str(exc))
    if listed is None:
        _fail(f"feed {feed_id!r} is not in the feeds file as {settings.db}'s last run read it")
    if not listed:
        _fail(f"feed {feed_id!r} is switched off in (or gone from) the feeds file as the last run read "
              "it: change the file")
    if not (disabled_at or failures):
        console.print(f"feed {feed_id} was neither disabled nor backing off: nothing to do")
        return
    was = (f"disabled since {disabled_at:%Y-%m-%d %H:%M}" if disabled_at
           else f"backing off after {failures} failures")
    _publish_now(settings, f"feed {feed_id} enabled (it was {was}): the next run polls it")


@app.command()
def discover(site_url: Annotated[str, typer.Argument(help="the site's home page")],
             allow_host: AllowOpt = None) -> None:
    """List a site's feeds (<link rel=alternate>, common paths) and sitemaps (robots.txt, common paths)."""
    from pipeline import net, sitemaps

    if not site_url.lower().startswith(("http://", "https://")):
        _fail(f"{site_url}: give the site's address with http:// or https://")
    settings = _settings(allow_hosts=allow_host)
    try:
        found = sitemaps.discover(settings, site_url)
    except net.FetchError as exc:
        _fail(f"{site_url}: {exc.message}")
    for kind in ("feeds", "sitemaps"):
        console.print(f"{kind}:" + ("" if found[kind] else " none found"))
        for url in found[kind]:
            console.print(f"  {url}", highlight=False, soft_wrap=True)


@app.command("backfill-sitemap")
def backfill_sitemap(sitemap_url: Annotated[str, typer.Argument(help="a sitemap or sitemap index URL")],
                     db: DbOpt = None, since: DateOpt = None, until: DateOpt = None,
                     allow_host: AllowOpt = None) -> None:
    """Queue the article URLs a (news) sitemap lists for [--since, --until): the next run fetches them."""
    from pipeline import net, sitemaps

    settings = _settings(db, allow_hosts=allow_host)
    try:
        with _reporting("backfill-sitemap") as reporter:
            urls = sitemaps.sitemap_urls(settings, sitemap_url, _utc(since), _utc(until), reporter)
        with store.open_db(settings) as con:
            queued = store.queue_entries(con, settings, sitemaps.as_entries(urls, "sitemap"))
    except (net.FetchError, ValueError) as exc:
        _fail(f"{sitemap_url}: {getattr(exc, 'message', exc)}")
    except NewsflowError as exc:
        _fail(str(exc))
    console.print(f"{queued} article URLs queued from {sitemap_url}; the next run fetches them")


def _print_summary(summary: chain.RunSummary, settings: Settings) -> None:
    c = summary.counts
    t = Table("", "", title=f"Run {summary.run_id}: {summary.status}", show_header=False)
    t.add_row("feeds ok / failed", f"{c['feeds_ok']} / {c['feeds_failed']}")
    t.add_row("entries seen / new", f"{c['entries_seen']} / {c['entries_new']}")
    t.add_row("pages fetched / failed", f"{c['pages_fetched']} / {c['pages_failed']}")
    t.add_row("new articles (empty)", f"{c['articles_new']} ({c['articles_empty']})")
    if c["articles_reprocessed"] or c["pages_from_archive"]:
        t.add_row("reprocessed articles", f"{c['articles_reprocessed']} ({c['pages_from_archive']} pages "
                  "read from the archive)")
    t.add_row("on topic", str(c["on_topic"]))
    t.add_row("stories (clusters)", f"{c['stories']} (of the articles {summary.stories_of})")
    t.add_row("top subtopics", ", ".join(f"{k} {v}" for k, v in summary.top_topics[:4]) or "-")
    t.add_row("time per stage", ", ".join(f"{k} {v:.1f}s" for k, v in summary.stage_seconds.items()))
    if any(k in summary.stage_seconds for k in ("extract", "classify")):
        t.add_row("", "(extract, classify, dedup: seconds summed over the worker processes)")
    t.add_row("database", str(settings.db))
    console.print(t)
    for feed_id, message in summary.failed_feeds:
        console.print(Text.assemble((f"  feed {feed_id} failed:", "red"), f" {message}"))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
