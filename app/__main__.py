"""Command line: python -m app <command>.

create-admin --email E [--name N]               create or reset an admin (idempotent); the
                                                 password is asked for at a prompt, or read
                                                 from the first line of standard input
                                                 (--password P works but lands in the shell
                                                 history)
migrate                                          alembic upgrade head
load-demo                                        load the demo data (idempotent)
clean-uploads [--min-age SECONDS]                remove stored files no attachment refers to
                                                 (left by an interrupted upload)
send-reminders [--date YYYY-MM-DD]               in-app reminders for milestones due within
                                                 the reminder window and overdue ones (for
                                                 cron; running it again sends nothing twice)
backup DIR                                       a consistent snapshot of the database and the
                                                 uploaded files in a new folder under DIR
                                                 (while the service runs; for cron)
restore DIR/<backup> [--force]                   check a backup's checksums and restore it into
                                                 an empty database and upload directory
                                                 (--force replaces their data); exit codes in
                                                 app/services/backup.py
worker [--once]                                  deliver the outbox (webhook deliveries and
                                                 mails) apart from the web server
                                                 (docs/webhooks.md, docs/mail.md), every
                                                 WEBHOOK_POLL_SECONDS until SIGTERM or Ctrl-C;
                                                 for deployments with
                                                 WEBHOOK_DELIVERY_ENABLED=false. --once: the
                                                 deliveries due now, one pass (for cron)
deliver-webhooks                                 the same as `worker --once` (its older name)
send-digests                                     queue the daily digest mail of everyone whose
                                                 setting is "daily" (for cron, once a day)
"""

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError
from sqlmodel import Session

from app.config import get_settings
from app.db import make_engine
from app.errors import DomainError


def _read_password() -> str | None:
    """The new password from a prompt (typed twice), or the first line of piped input."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("パスワード (password): ")
    if getpass.getpass("もう一度 (again): ") != first:
        print("error: the two passwords differ", file=sys.stderr)
        return None
    return first


def _create_admin(args: argparse.Namespace) -> int:
    from app.models.types import normalise_email
    from app.models.user import check_password
    from app.services.users import ensure_admin

    password = args.password if args.password is not None else _read_password()
    if password is None:
        return 2
    try:
        email = normalise_email(args.email)
        check_password(password, email)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.password = password
    engine = make_engine(get_settings())
    with Session(engine) as session:
        try:
            user, created = ensure_admin(
                session, email=email, password=args.password, name=args.name
            )
        except (DomainError, ValidationError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"{'created' if created else 'updated'} admin {user.email} (id {user.id})")
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    from app.migrate import upgrade_head

    upgrade_head()
    return 0


def _load_demo(_args: argparse.Namespace) -> int:
    from app.demo import load_demo
    from app.rules import ReviewPolicy, with_policy

    settings = get_settings()
    engine = make_engine(settings)
    with Session(engine) as session:
        loaded = load_demo(with_policy(session, ReviewPolicy.from_settings(settings)))
    print("demo data loaded" if loaded else "demo data already present")
    return 0


def _send_reminders(args: argparse.Namespace) -> int:
    from app.services.reminders import send_reminders

    settings = get_settings()
    engine = make_engine(settings)
    with Session(engine) as session:
        result = send_reminders(session, on=args.date, days_ahead=settings.reminder_days_ahead)
    print(
        f"reminders sent: {result.sent} ({result.notifications} notifications); "
        f"already sent before: {result.skipped}"
    )
    return 0


# -- backup and restore (app/services/backup.py) --


def _backup(args: argparse.Namespace) -> int:
    from app.services.backup import backup_command

    return backup_command(get_settings(), args.directory)


def _restore(args: argparse.Namespace) -> int:
    from app.services.restore import restore_command

    return restore_command(get_settings(), args.backup, force=args.force)


# --


def _deliver_webhooks(_args: argparse.Namespace) -> int:
    from app.services.webhook_delivery import deliver_due

    settings = get_settings()
    result = deliver_due(make_engine(settings), settings=settings)
    print(
        f"webhook deliveries: {result.delivered} delivered, {result.failed} to be retried, "
        f"{result.given_up} given up"
    )
    return 0


def _rules_doc(_args: argparse.Namespace) -> int:
    from app.rules_doc import write

    print(f"written {write()}")
    return 0


def _worker(args: argparse.Namespace) -> int:
    """The outbox deliverer in a process of its own, until SIGTERM or SIGINT (it finishes
    the send in progress, as the server's thread does on shutdown)."""
    if args.once:
        return _deliver_webhooks(args)
    import signal

    from app.services.webhook_delivery import Deliverer

    settings = get_settings()
    deliverer = Deliverer(make_engine(settings), settings)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: deliverer.stopping.set())
    deliverer.start()
    print(f"worker: delivering webhooks every {settings.webhook_poll_seconds} s", flush=True)
    while not deliverer.stopping.wait(1):
        pass
    deliverer.stop()
    print("worker: stopped", flush=True)
    return 0


def _send_digests(_args: argparse.Namespace) -> int:
    from app.services.digests import send_digests

    settings = get_settings()
    with Session(make_engine(settings)) as session:
        result = send_digests(session)
    print(f"digests queued: {result.mails} mails with {result.notices} notices")
    return 0


def _reindex_text(_args: argparse.Namespace) -> int:
    from app.services.text_index import reindex_all

    with Session(make_engine(get_settings())) as session:
        done = reindex_all(session)
    print(f"analysed the texts of {done} proposals")
    return 0


def _clean_uploads(args: argparse.Namespace) -> int:
    from app.services.upload_orphans import sweep

    settings = get_settings()
    engine = make_engine(settings)
    with Session(engine) as session:
        swept = sweep(session, settings=settings, min_age_seconds=args.min_age)
    print(f"removed {swept.partial} unfinished uploads and {swept.orphans} orphaned files")
    return 0


def _date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m app",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    admin = commands.add_parser("create-admin", help="create or reset an admin account")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", help="prefer the prompt or standard input")
    admin.add_argument("--name")
    admin.set_defaults(run=_create_admin)
    commands.add_parser("migrate", help="alembic upgrade head").set_defaults(run=_migrate)
    commands.add_parser("load-demo", help="load demo data").set_defaults(run=_load_demo)
    commands.add_parser(
        "rules-doc", help="write docs/rules.md from the rulebook (app/rules/)"
    ).set_defaults(run=_rules_doc)
    reminders = commands.add_parser("send-reminders", help="send milestone reminders")
    reminders.add_argument("--date", type=_date, help="the day to run for (default: today, JST)")
    reminders.set_defaults(run=_send_reminders)
    clean = commands.add_parser(
        "clean-uploads", help="remove stored files that no attachment row refers to"
    )
    clean.add_argument(
        "--min-age",
        type=float,
        default=3600,
        help="only files older than this many seconds (default 3600; 0 when no worker runs)",
    )
    clean.set_defaults(run=_clean_uploads)
    backup = commands.add_parser("backup", help="back up the database and uploaded files")
    backup.add_argument("directory", type=Path, help="backups go into new folders under it")
    backup.set_defaults(run=_backup)
    restore = commands.add_parser("restore", help="restore a backup into an empty database")
    restore.add_argument("backup", type=Path, help="the backup's folder (DIR/teian-…)")
    restore.add_argument("--force", action="store_true", help="replace existing data")
    restore.set_defaults(run=_restore)
    worker = commands.add_parser("worker", help="deliver the webhook outbox until stopped")
    worker.add_argument("--once", action="store_true", help="one pass, then exit")
    worker.set_defaults(run=_worker)
    commands.add_parser(
        "deliver-webhooks", help="the same as worker --once (one pass)"
    ).set_defaults(run=_deliver_webhooks)
    commands.add_parser(
        "send-digests", help="queue the daily digest mails (for cron)"
    ).set_defaults(run=_send_digests)
    commands.add_parser(
        "reindex-text",
        help="re-analyse every proposal's texts (after a bulk load that bypassed the app)",
    ).set_defaults(run=_reindex_text)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
