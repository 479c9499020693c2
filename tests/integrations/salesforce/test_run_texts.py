"""SF-16, UX-1: every counter the engine writes into a run's details has words in both languages, so a run's
page never shows a raw key."""

import re
from pathlib import Path

from django.utils import translation

from contacts.upsert import Status
from integrations.salesforce import run_texts

ENGINE = Path(run_texts.__file__).parent


def _written_keys() -> set[str]:
    """Every `counts["…"]` the Salesforce engine writes, and the upsert outcomes it counts by name."""
    keys = set()
    for source in ENGINE.glob("*.py"):
        keys |= set(re.findall(r"counts\[\"(\w+)\"\]", source.read_text()))
    return keys | {Status.NEW, Status.UPDATED, Status.UNCHANGED, Status.REJECTED}


def test_every_counter_the_engine_writes_has_words():
    unnamed = _written_keys() - set(run_texts.BY_KEY) - run_texts.SHOWN_ELSEWHERE

    assert {"received", "already_synced", "flags_cleared", "created_there"} <= _written_keys()
    assert not unnamed, f"Counters without a label: {sorted(unnamed)}"


def test_every_label_and_explanation_reads_in_hebrew():
    texts = [
        *(text for counter in run_texts.COUNTERS for text in (counter.label, counter.help) if text),
        *run_texts.STAGES.values(),
        *run_texts.PUSHED.values(),
        *run_texts.ERROR_CODES.values(),
    ]
    with translation.override("en"):
        english = [str(text) for text in texts]
    with translation.override("he"):
        hebrew = [str(text) for text in texts]

    assert [e for e, h in zip(english, hebrew, strict=True) if e == h] == []


def test_a_running_runs_stage_in_words():
    with translation.override("en"):
        assert (
            run_texts.stage_text({"stage": {"name": "pull", "object": "Lead"}})
            == "Reading Lead records from Salesforce"
        )
        assert run_texts.stage_text({}) == "Starting the sync"
    with translation.override("he"):
        assert run_texts.stage_text({"stage": {"name": "pull", "object": "Contact"}}) == (
            "קריאת רשומות מסוג איש קשר מ-Salesforce"
        )


def test_figures_leave_out_zeros_and_keys_of_no_counter():
    figures = run_texts.run_figures_list({"received": 3, "new": 0, "pages": 9, "stage": {"name": "pull"}})

    assert [(f.key, f.value) for f in figures[run_texts.IN]] == [("received", 3)]
    assert figures[run_texts.OUT] == []
