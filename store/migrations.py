"""Named, ordered, recorded schema migrations.

Each migration is applied once, in order, inside its own transaction, and recorded in
``schema_migrations``. Never edit a migration that has shipped: append a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "0001_records",
        """
        CREATE SEQUENCE records_id_seq START 1;
        CREATE SEQUENCE imports_id_seq START 1;
        CREATE TABLE imports (
            id BIGINT NOT NULL,
            source VARCHAR NOT NULL,
            path VARCHAR NOT NULL,
            format VARCHAR,
            dedup VARCHAR,
            started_at TIMESTAMP,
            finished_at TIMESTAMP,
            status VARCHAR,
            lines BIGINT DEFAULT 0,
            accepted BIGINT DEFAULT 0,
            duplicates BIGINT DEFAULT 0,
            rejected BIGINT DEFAULT 0
        );
        CREATE TABLE records (
            id BIGINT NOT NULL,
            source VARCHAR NOT NULL,
            import_id BIGINT,
            line_no BIGINT,
            hash VARCHAR NOT NULL,
            user_md5 VARCHAR,
            turns INTEGER,
            chars INTEGER,
            approx_tokens INTEGER,
            first_user VARCHAR,
            last_role VARCHAR,
            flags VARCHAR[],
            messages STRUCT(role VARCHAR, content VARCHAR)[],
            metadata JSON,
            imported_at TIMESTAMP
        );
        CREATE TABLE rejects (
            import_id BIGINT,
            source VARCHAR,
            path VARCHAR,
            line_no BIGINT,
            reason VARCHAR,
            detail VARCHAR,
            raw VARCHAR
        );
        """,
    ),
    Migration(
        "0002_topics",
        """
        CREATE TABLE topics (
            topic_id VARCHAR PRIMARY KEY,
            subreddit VARCHAR,
            post_id VARCHAR,
            title VARCHAR,
            url VARCHAR,
            author VARCHAR,
            created_at TIMESTAMP,
            first_seen TIMESTAMP,
            last_seen TIMESTAMP,
            status VARCHAR DEFAULT 'proposed',
            score DOUBLE,
            scoring_version VARCHAR,
            record JSON
        );
        CREATE TABLE topic_observations (
            topic_id VARCHAR NOT NULL,
            captured_at TIMESTAMP NOT NULL,
            upvotes BIGINT,
            num_comments BIGINT,
            upvote_velocity DOUBLE,
            comment_velocity DOUBLE
        );
        """,
    ),
    Migration(
        "0003_activity",
        """
        CREATE SEQUENCE activity_id_seq START 1;
        CREATE TABLE activity (
            id BIGINT NOT NULL DEFAULT nextval('activity_id_seq'),
            happened_at TIMESTAMP NOT NULL,
            actor VARCHAR NOT NULL,
            action VARCHAR NOT NULL,
            subject VARCHAR,
            detail JSON
        );
        """,
    ),
    Migration(
        "0004_compare_answers_votes",
        """
        CREATE SEQUENCE answers_id_seq START 1;
        CREATE SEQUENCE votes_id_seq START 1;
        CREATE TABLE answers (
            id BIGINT NOT NULL DEFAULT nextval('answers_id_seq'),
            created_at TIMESTAMP NOT NULL,
            session VARCHAR,
            conversation JSON NOT NULL,
            text VARCHAR NOT NULL,
            model VARCHAR NOT NULL,
            model_id VARCHAR NOT NULL,
            adapter VARCHAR,
            adapter_id VARCHAR,
            adapter_enabled BOOLEAN NOT NULL,
            label VARCHAR,
            run_id VARCHAR,
            step INTEGER,
            settings JSON NOT NULL,
            prompt_tokens INTEGER,
            tokens INTEGER,
            first_token_s DOUBLE,
            seconds DOUBLE,
            finish_reason VARCHAR
        );
        CREATE TABLE votes (
            id BIGINT NOT NULL DEFAULT nextval('votes_id_seq'),
            created_at TIMESTAMP NOT NULL,
            left_answer BIGINT NOT NULL,
            right_answer BIGINT NOT NULL,
            choice VARCHAR NOT NULL,
            blind BOOLEAN NOT NULL,
            voter VARCHAR
        );
        """,
    ),
    Migration(
        "0005_topics_approvals",
        """
        ALTER TABLE topics ADD COLUMN flagged BOOLEAN DEFAULT false;
        ALTER TABLE topics ADD COLUMN note VARCHAR;
        ALTER TABLE topics ADD COLUMN fingerprint VARCHAR;
        ALTER TABLE topics ADD COLUMN components JSON;
        ALTER TABLE topics ADD COLUMN status_at TIMESTAMP;
        CREATE TABLE topic_scores (
            topic_id VARCHAR NOT NULL,
            version VARCHAR NOT NULL,
            score DOUBLE,
            components JSON,
            scored_at TIMESTAMP NOT NULL
        );
        CREATE TABLE topic_proposals (
            topic_id VARCHAR NOT NULL,
            proposed_at TIMESTAMP NOT NULL,
            source VARCHAR,
            score DOUBLE
        );
        CREATE SEQUENCE approvals_id_seq START 1;
        CREATE TABLE approvals (
            id BIGINT NOT NULL DEFAULT nextval('approvals_id_seq'),
            topic_id VARCHAR NOT NULL,
            approved BOOLEAN NOT NULL,
            approved_at VARCHAR NOT NULL,
            approved_by VARCHAR NOT NULL,
            method VARCHAR NOT NULL,
            notes VARCHAR,
            session VARCHAR,
            recorded_at TIMESTAMP NOT NULL,
            revoked_at TIMESTAMP,
            revoked_reason VARCHAR
        );
        CREATE SEQUENCE shortlists_id_seq START 1;
        CREATE TABLE shortlists (
            id BIGINT NOT NULL DEFAULT nextval('shortlists_id_seq'),
            generated_at TIMESTAMP NOT NULL,
            scoring_version VARCHAR,
            path VARCHAR,
            record JSON NOT NULL
        );
        CREATE TABLE packets (
            packet_id VARCHAR NOT NULL,
            topic_id VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            status VARCHAR NOT NULL,
            generator VARCHAR,
            packet JSON NOT NULL,
            published_at TIMESTAMP,
            json_path VARCHAR,
            md_path VARCHAR
        );
        """,
    ),
    Migration(
        "0006_data_record_format",
        """
        ALTER TABLE records ADD COLUMN format VARCHAR;
        """,
    ),
    Migration(
        "0007_eval",
        """
        CREATE TABLE eval_cache (
            key VARCHAR PRIMARY KEY,
            created_at TIMESTAMP NOT NULL,
            suite VARCHAR NOT NULL,
            model VARCHAR NOT NULL,
            identity JSON NOT NULL,
            reply JSON NOT NULL
        );
        CREATE SEQUENCE eval_runs_id_seq START 1;
        CREATE TABLE eval_runs (
            id BIGINT NOT NULL DEFAULT nextval('eval_runs_id_seq'),
            created_at TIMESTAMP NOT NULL,
            suite VARCHAR NOT NULL,
            models JSON NOT NULL,
            results INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            run JSON NOT NULL
        );
        CREATE TABLE eval_ratings (
            item VARCHAR NOT NULL,
            dimension VARCHAR NOT NULL,
            label VARCHAR NOT NULL,
            rater VARCHAR NOT NULL,
            rated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (item, dimension, rater)
        );
        """,
    ),
    Migration(
        "0008_records_search_text",
        """
        ALTER TABLE records ADD COLUMN search_text VARCHAR USING COMPRESSION uncompressed;
        UPDATE records SET search_text =
            lower(array_to_string(list_transform(messages, lambda t: t.content), chr(0)));
        """,
    ),
)


def apply_migrations(
    con: duckdb.DuckDBPyConnection, migrations: tuple[Migration, ...] = MIGRATIONS
) -> list[str]:
    """Apply every migration not yet recorded; return the names applied now."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " position INTEGER NOT NULL, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT name FROM schema_migrations").fetchall()}
    applied: list[str] = []
    for position, migration in enumerate(migrations, start=1):
        if migration.name in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)",
                [position, migration.name],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        applied.append(migration.name)
    return applied
