"""python -m bench run --size N --db sqlite|postgresql [--write] (docs/benchmarks.md)."""

import argparse
import sys

from bench.report import print_result, write_results
from bench.run import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("run", help="load, serve, measure")
    one.add_argument("--size", type=int, nargs="+", default=[2000], help="proposals to load")
    one.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    one.add_argument("--database-url", help="PostgreSQL database (its schema is re-created)")
    one.add_argument("--runs", type=int, default=100, help="timed requests per endpoint")
    one.add_argument("--seconds", type=float, default=5.0, help="throughput window")
    one.add_argument("--write", action="store_true", help="record in docs/benchmarks.md")
    scale = commands.add_parser("scale", help="detail throughput with 1, 2, 4 workers")
    scale.add_argument("--size", type=int, default=10_000)
    scale.add_argument("--database-url", required=True, help="PostgreSQL database")
    scale.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    scale.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args(argv)
    if args.command == "run":
        if args.db == "postgresql" and not args.database_url:
            parser.error("--db postgresql needs --database-url")
        url = args.database_url if args.db == "postgresql" else None
        results = []
        for size in args.size:
            result = run(size=size, database_url=url, runs=args.runs, seconds=args.seconds)
            print_result(result)
            results.append(result)
        if args.write:
            write_results(results, args.runs)
        return 0
    for workers in args.workers:
        result = run(
            size=args.size,
            database_url=args.database_url,
            workers=workers,
            seconds=args.seconds,
            latency=False,
        )
        print(
            f"workers={workers} detail {result.detail_rps:.0f} req/s, bare "
            f"{result.bare_rps:.0f} req/s, ratio {result.ratio:.2f}, RSS {result.rss_mb:.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
