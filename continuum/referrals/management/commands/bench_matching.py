"""`continuum bench_matching` (`make bench`): the matching benchmark of issue #7.

Without --here it runs the benchmark once per database, each in a child process pinned to
one CPU, and prints the results as a table for the README:

- SQLite: a file in $CONTINUUM_BENCH_DIR (default: the system temp dir's
  continuum-bench/), named by size and seed, so that a second run reuses the directory an
  earlier one built (and an interrupted build resumes). --fresh deletes it first.
- PostgreSQL: the database continuum_bench at CONTINUUM_BENCH_POSTGRES_URL (default
  postgres://postgres@127.0.0.1:5432/continuum_bench), created when missing; --fresh drops
  and creates it. Skipped, with the reason, when the server cannot be reached.

With --here it benchmarks the database DATABASE_URL names, which must have "bench" in its
name: the command migrates it and fills it with synthetic services (continuum.referrals.
bench), so it refuses to touch any other database.

docs/benchmark.md explains what is built, what is measured and how to read the ratio.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from continuum.core.startup import settle
from continuum.referrals import bench

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/continuum_bench"
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class Command(BaseCommand):
    help = (
        "Benchmark matching on a synthetic directory of 100,000 services: match_services "
        "against the same question in hand-written SQL, on SQLite and PostgreSQL "
        "(docs/benchmark.md). Builds its own databases; never touches the app's."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--services", type=int, default=bench.DEFAULT_SERVICES)
        parser.add_argument("--seed", type=int, default=bench.DEFAULT_SEED)
        parser.add_argument("--queries", type=int, default=200, help="timed queries")
        parser.add_argument("--warmup", type=int, default=20, help="untimed queries first")
        parser.add_argument(
            "--budget",
            type=float,
            default=600,
            metavar="SECONDS",
            help="Stop timing a database after this long (at least 10 queries are timed).",
        )
        parser.add_argument(
            "--fresh", action="store_true", help="Start from empty databases (rebuild)."
        )
        parser.add_argument("--only", choices=["sqlite", "postgres"], default=None)
        parser.add_argument("--sqlite-path", default=None)
        parser.add_argument(
            "--postgres-url",
            default=os.environ.get("CONTINUUM_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        )
        parser.add_argument(
            "--no-pin", action="store_true", help="Do not pin the benchmark to one CPU."
        )
        parser.add_argument(
            "--explain",
            type=int,
            default=0,
            metavar="K",
            help="Also time each statement of the K slowest queries and show its plan.",
        )
        parser.add_argument(
            "--no-analyze",
            action="store_true",
            help="Do not gather planner statistics after building (ANALYZE).",
        )
        parser.add_argument(
            "--build-only", action="store_true", help="Build the directories; time nothing."
        )
        parser.add_argument("--here", action="store_true", help=argparse_hidden())
        parser.add_argument("--json", default=None, help=argparse_hidden())

    def handle(self, *args: Any, **options: Any) -> None:
        if options["here"]:
            self._run_here(options)
        else:
            self._run_all(options)

    # --- the parent: one child per database, then the table --------------------------------

    def _run_all(self, options: dict[str, Any]) -> None:
        work = Path(
            os.environ.get("CONTINUUM_BENCH_DIR") or Path(tempfile.gettempdir()) / "continuum-bench"
        )
        work.mkdir(parents=True, exist_ok=True)
        pin = _pinning(options["no_pin"])
        self.stdout.write(f"Pinned to one CPU with: {pin['how']}")
        results: list[dict[str, Any]] = []
        skipped: list[str] = []
        if options["only"] in (None, "sqlite"):
            path = Path(
                options["sqlite_path"]
                or work / f"bench-{options['services']}-{options['seed']}.sqlite3"
            )
            if options["fresh"]:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            self.stdout.write(
                f"\n== SQLite: {path} ({'fresh' if not path.exists() else 'reused if complete'})"
            )
            results.append(self._child(f"sqlite:///{path}", "sqlite", work, pin, options))
        if options["only"] in (None, "postgres"):
            url = options["postgres_url"]
            problem = _prepare_postgres(url, fresh=options["fresh"])
            if problem:
                skipped.append(f"PostgreSQL skipped: {problem}")
                self.stdout.write(self.style.WARNING(f"\n== {skipped[-1]}"))
            else:
                self.stdout.write(f"\n== PostgreSQL: {_without_password(url)}")
                results.append(self._child(url, "postgres", work, pin, options))
        results = [r for r in results if r]
        if options["build_only"]:
            return
        self.stdout.write("\n" + results_table(results, pin["how"]))
        for line in skipped:
            self.stdout.write(line)

    def _child(
        self, url: str, label: str, work: Path, pin: dict[str, Any], options: dict[str, Any]
    ) -> dict[str, Any]:
        out = work / f"results-{label}.json"
        out.unlink(missing_ok=True)
        command = [
            *pin["prefix"],
            sys.executable,
            "-m",
            "continuum.cli",
            "bench_matching",
            "--here",
            "--json",
            str(out),
            "--services",
            str(options["services"]),
            "--seed",
            str(options["seed"]),
            "--queries",
            str(options["queries"]),
            "--warmup",
            str(options["warmup"]),
            "--explain",
            str(options["explain"]),
            "--budget",
            str(options["budget"]),
        ]
        if options["no_analyze"]:
            command.append("--no-analyze")
        if options["build_only"]:
            command.append("--build-only")
        env = {**os.environ, "DATABASE_URL": url}
        completed = subprocess.run(command, env=env, check=False)  # noqa: S603
        if options["build_only"] and completed.returncode == 0:
            return {}
        if completed.returncode != 0 or not out.exists():
            raise CommandError(f"the {label} benchmark failed (exit {completed.returncode})")
        result: dict[str, Any] = json.loads(out.read_text())
        result["pinned"] = pin["how"]
        # A reused directory reports the time it took when it was built from empty.
        record = work / f"build-{label}-{options['services']}-{options['seed']}.json"
        if result["build"]["fresh"]:
            record.write_text(json.dumps({"seconds": result["build"]["seconds"]}))
        elif record.exists():
            result["build"]["recorded_seconds"] = json.loads(record.read_text())["seconds"]
        return result

    # --- the child: this database ----------------------------------------------------------

    def _run_here(self, options: dict[str, Any]) -> None:
        name = str(settings.DATABASES["default"]["NAME"])
        if "bench" not in Path(name).name:
            raise CommandError(
                f"Refusing to benchmark {name!r}: the benchmark fills its database with "
                "100,000 synthetic services, so it only runs on a database with 'bench' in "
                "its name (make bench makes its own)."
            )
        say = self.stdout.write
        vendor = connection.vendor
        say(f"Migrating {VENDOR_NAMES.get(vendor, vendor)} ({name})...")
        call_command("migrate", interactive=False, verbosity=0)
        spec = bench.Spec(services=options["services"], seed=options["seed"])
        say(
            f"Building {spec.services:,} services at {spec.locations:,} locations "
            f"({spec.chunks} chunks; built chunks are kept, Ctrl-C is safe)..."
        )
        report = bench.build(
            spec, progress=lambda line: say(line), analyze=not options["no_analyze"]
        )
        if report.chunks_built:
            say(f"  built {report.chunks_built} chunks in {report.seconds:.0f} s")
        else:
            say("  already built")
        if options["build_only"]:
            for table, rows, size in bench.table_sizes():
                say(f"  {table:32} {rows:>9,}  {_mb(size):>8}")
            return
        queries = bench.random_queries(options["warmup"] + options["queries"], seed=spec.seed)
        say(
            f"Timing {options['queries']} queries after {options['warmup']} warm-up, "
            "each both ways..."
        )
        settle()  # as `continuum serve` does before serving
        measurement = bench.measure(
            queries, warmup=options["warmup"], budget_seconds=options["budget"], progress=say
        )
        summary = measurement.summary()
        if measurement.mismatches:
            for line in measurement.mismatches[:10]:
                say(self.style.ERROR("  mismatch: " + line))
            raise CommandError("match_services and the raw SQL disagree; see above")
        result = {
            "vendor": vendor,
            "version": _database_version(),
            "affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [],
            "cpu": _cpu_model(),
            "matching_sha256": _matching_digest(),
            "spec": {"services": spec.services, "locations": spec.locations, "seed": spec.seed},
            "build": {
                "seconds": report.seconds,
                "chunks_built": report.chunks_built,
                "chunks_skipped": report.chunks_skipped,
                "fresh": report.fresh,
            },
            "analyzed": not options["no_analyze"],
            "server_cpu_counted": bench.server_cpu_counted(),
            "tables": [
                {"table": t, "rows": rows, "bytes": size} for t, rows, size in bench.table_sizes()
            ],
            "database_bytes": bench.database_bytes(),
            "measurement": summary,
        }
        say(vendor_report(result))
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(result, indent=2))
        if options["explain"]:
            self._explain(queries[options["warmup"] :], measurement, options["explain"])

    def _explain(self, queries: list[Any], measurement: bench.Measurement, count: int) -> None:
        slowest = sorted(
            range(len(measurement.orm.milliseconds)),
            key=lambda i: measurement.orm.milliseconds[i],
            reverse=True,
        )[:count]
        for i in slowest:
            criteria = queries[i]
            total, statements = bench.explain(criteria)
            place = criteria.place
            self.stdout.write(
                f"\n--- query {i}: {criteria.domain}, age {criteria.age}, {criteria.language}, "
                f"{place.label if place else ''}: match_services {total:.1f} ms CPU, "
                f"{len(statements)} statements "
                f"({sum(s.milliseconds for s in statements):.1f} ms CPU alone)"
            )
            for s in statements:
                self.stdout.write(f"  {s.milliseconds:8.1f} ms  {s.rows:6} rows  {s.sql[:110]}")
                for line in s.plan:
                    self.stdout.write(f"        {line}")


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


def _pinning(disabled: bool) -> dict[str, Any]:
    if disabled:
        return {"prefix": [], "how": "not pinned (--no-pin)"}
    taskset = shutil.which("taskset")
    if taskset:
        return {"prefix": [taskset, "-c", "0"], "how": "taskset -c 0 (the benchmark process)"}
    return {"prefix": [], "how": "not pinned (taskset not found)"}


def _prepare_postgres(url: str, *, fresh: bool) -> str | None:
    """Create the bench database when missing (drop it first when fresh); the reason it
    cannot be used, or None."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        return f"the database name {name!r} has no 'bench' in it; refusing to fill it"
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and fresh:
                conn.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
                exists = None
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        return f"cannot use {_without_password(url)} ({str(error).strip().splitlines()[0]})"
    return None


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _database_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        row = cursor.fetchone()
    return str(row[0]).split()[0] if row else "?"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def _matching_digest() -> str:
    """Which matching.py was measured (it changes; the figures belong to one version)."""
    from continuum.referrals import matching

    return hashlib.sha256(Path(matching.__file__).read_bytes()).hexdigest()[:12]


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def _mb(value: int | None) -> str:
    return f"{value / 1e6:,.0f} MB" if value else "?"


def _triple(stats: dict[str, float], prefix: str = "") -> str:
    return " / ".join(_ms(stats[f"{prefix}{k}"]) for k in ("p50", "p95", "max")) + " ms"


def vendor_report(result: dict[str, Any]) -> str:
    m = result["measurement"]
    lines = [
        f"{VENDOR_NAMES[result['vendor']]} {result['version']} (p50 / p95 / max):",
        f"  match_services  wall {_triple(m['orm_ms'])}; CPU {_triple(m['orm_ms'], 'cpu_')}",
        f"  raw SQL         wall {_triple(m['raw_ms'])}; CPU {_triple(m['raw_ms'], 'cpu_')}",
        f"  ratio p50 / p95 wall {m['ratio_p50']:.1f}x / {m['ratio_p95']:.1f}x; "
        f"CPU {m['cpu_ratio_p50']:.1f}x / {m['cpu_ratio_p95']:.1f}x",
        f"  finding only    CPU {_triple(m['find_ms'], 'cpu_')}; ratio p50 / p95 "
        f"{m['find_cpu_ratio_p50']:.1f}x / {m['find_cpu_ratio_p95']:.1f}x",
        "Table sizes (rows, with indexes):",
    ]
    for t in result["tables"]:
        lines.append(f"  {t['table']:32} {t['rows']:>9,}  {_mb(t['bytes']):>8}")
    lines.append(f"  {'whole database':32} {'':>9}  {_mb(result['database_bytes']):>8}")
    return "\n".join(lines)


def _build_cell(result: dict[str, Any]) -> str:
    build = result["build"]
    if build["fresh"]:
        return f"{build['seconds']:.0f} s"
    if build.get("recorded_seconds"):
        return f"{build['recorded_seconds']:.0f} s (when built)"
    return f"resumed: {build['chunks_built']} chunks in {build['seconds']:.0f} s"


def results_table(results: list[dict[str, Any]], pinned: str) -> str:
    """The README's table: one column per database."""
    if not results:
        return "No database was benchmarked."
    heads = [f"{VENDOR_NAMES[r['vendor']]} {r['version']}" for r in results]

    def row(label: str, cells: list[str]) -> str:
        return "| " + " | ".join([label, *cells]) + " |"

    def each(pick: Any) -> list[str]:
        return [pick(r) for r in results]

    def meets(r: dict[str, Any]) -> str:
        m = r["measurement"]
        wall = m["orm_ms"]["p95"] < 50 and m["ratio_p95"] < 2
        cpu = m["orm_ms"]["cpu_p95"] < 50 and m["cpu_ratio_p95"] < 2
        return f"wall {'yes' if wall else '**no**'}, CPU {'yes' if cpu else '**no**'}"

    first = results[0]
    spec = first["spec"]
    m0 = first["measurement"]
    lines = [
        f"{spec['services']:,} services at {spec['locations']:,} locations (seed "
        f"{spec['seed']}); {m0['queries']} population-weighted queries after {m0['warmup']} "
        f"warm-up: need + age + language + 25 miles + room today. Pinned: {pinned}. "
        f"CPU: {first['cpu']}. matching.py sha256 {first['matching_sha256']}.",
        "",
        row("p50 / p95 / max", heads),
        row("---", ["---:"] * len(results)),
        row("match_services, wall", each(lambda r: _triple(r["measurement"]["orm_ms"]))),
        row("match_services, CPU", each(lambda r: _triple(r["measurement"]["orm_ms"], "cpu_"))),
        row("raw SQL, wall", each(lambda r: _triple(r["measurement"]["raw_ms"]))),
        row("raw SQL, CPU", each(lambda r: _triple(r["measurement"]["raw_ms"], "cpu_"))),
        row(
            "ratio p50 / p95, wall",
            each(
                lambda r: (
                    f"{r['measurement']['ratio_p50']:.1f}x / {r['measurement']['ratio_p95']:.1f}x"
                )
            ),
        ),
        row(
            "ratio p50 / p95, CPU",
            each(
                lambda r: (
                    f"{r['measurement']['cpu_ratio_p50']:.1f}x / "
                    f"{r['measurement']['cpu_ratio_p95']:.1f}x"
                )
            ),
        ),
        row(
            "finding only (find_candidates), CPU",
            each(lambda r: _triple(r["measurement"]["find_ms"], "cpu_")),
        ),
        row(
            "finding only: ratio p50 / p95, CPU",
            each(
                lambda r: (
                    f"{r['measurement']['find_cpu_ratio_p50']:.1f}x / "
                    f"{r['measurement']['find_cpu_ratio_p95']:.1f}x"
                )
            ),
        ),
        row(
            "services found per query",
            each(lambda r: "{p50:.0f} / {p95:.0f} / {max}".format(**r["measurement"]["matches"])),
        ),
        row("p95 < 50 ms and < 2x raw", each(meets)),
        row(
            "CPU includes the database server's",
            each(lambda r: "yes" if r.get("server_cpu_counted", True) else "**no** (not visible)"),
        ),
        row(f"build ({spec['services']:,} services)", each(_build_cell)),
        row("database size", each(lambda r: _mb(r["database_bytes"]))),
        row(
            "load average (1 min) before / after",
            each(
                lambda r: " / ".join(f"{load[0]:.1f}" for load in r["measurement"]["load_average"])
            ),
        ),
    ]
    return "\n".join(lines)
