"""A Salesforce run's figures while it goes (SPEC SF-16, UX-2): saved once a page and at each stage, so the
screens show records in and out, API calls and what the run is doing until it ends.

Each save is one small UPDATE of the run's row and costs no API call. It also tells whether the run is still
wanted: a run cancelled by a person (or whose connection was disconnected) is no longer "running", the save
changes nothing, and the engine stops at that page.
"""

from collections import Counter

from integrations.models import SyncRun
from integrations.services import sync_run_progress

# The details key of what a running run is doing: {"name": "pull", "object": "Lead"}; the names ("pull", "push",
# "deletes", "retries") are told in words by `run_texts.STAGES`.
STAGE = "stage"


def run_figures(counts: Counter) -> dict:
    """The run's totals from the engine's counters: records applied here, written there, failed either way."""
    return {
        "records_in": counts["new"] + counts["updated"] + counts["unchanged"] + counts["converted"],
        "records_out": counts["records_out"],
        "records_failed": counts["failed"] + counts["failed_out"],
    }


def run_progress_save(engine) -> bool:
    """Save the figures of `engine`'s run so far (a Puller or a Pusher: its `run`, `counts` and `client`).
    False once the run has ended meanwhile; True without a run."""
    run: SyncRun | None = engine.run
    if run is None:
        return True
    stage = (run.details or {}).get(STAGE)
    return sync_run_progress(
        account=engine.account,
        run=run,
        api_calls=engine.client.api_calls,
        details={**engine.counts, **({STAGE: stage} if stage else {})},
        **run_figures(engine.counts),
    )


def run_stage(engine, name: str, sobject: str = "") -> bool:
    """The run moves on to stage `name`, for `sobject` when it works on one object. False once the run has ended."""
    if engine.run is None:
        return True
    engine.run.details = {STAGE: {"name": name, "object": sobject} if sobject else {"name": name}}
    return run_progress_save(engine)
