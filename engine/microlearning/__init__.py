"""The microlearning content pipeline: Reddit topics to published content packets.

    scrape / import -> topic records (with every observation) -> scoring versions
    -> human approval (approval records) -> content packets -> publish

One module per job: ``config`` (configs/microlearning.toml), ``signals`` (keywords, risk
flags, title fingerprints), ``schemas`` (validation against the four JSON Schemas),
``records`` (topic records from praw, the original's flat records and candidate batches),
``ingest`` (storing observations, velocity against the previous one), ``importer`` (files
with per-line errors), ``scrape`` (praw, retries, partial progress), ``scoring`` (named
versions, novelty window), ``shortlist``, ``approvals``, ``packets``, ``publish`` and
``inbox`` (files dropped into the workspace ``inbox/``).
"""

import threading

write_lock = threading.RLock()
"""Held around every write of the pipeline, so that the app's threads (a decision, an inbox
import, a rescore) never race each other into a DuckDB transaction conflict."""
