import json
import math
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from marketing.messaging.segments import GSM7_BASIC, GSM7_EXTENSION, SegmentCount, sms_segments

HEBREW = "שלום"  # four letters, one UTF-16 unit each
EMOJI = "😜"  # outside the BMP: a surrogate pair


def parts(text):
    count = sms_segments(text)
    return count.encoding, count.units, count.segments


# Twilio's segment calculator (TwilioDevEd/message-segment-calculator, tests/index.test.js, segments.test.js)


def test_twilio_gsm_escape_character_in_one_segment():
    text = "{23456789" + "0123456789" * 15

    assert parts(text) == ("GSM-7", 160, 1)


def test_twilio_gsm_escape_character_in_two_segments():
    text = "{23456789" + "0123456789" * 15 + "0"

    assert parts(text) == ("GSM-7", 161, 2)


def test_twilio_ucs2_in_one_segment():
    text = EMOJI + "23456789" + "0123456789" * 6

    assert parts(text) == ("UCS-2", 70, 1)


def test_twilio_ucs2_in_two_segments():
    text = EMOJI + "23456789" + "0123456789" * 6 + "0"

    assert parts(text) == ("UCS-2", 71, 2)


def test_twilio_gsm_three_segments_with_one_septet_in_the_last():
    count = sms_segments("1234567890" * 30 + "1234567")

    assert (count.segments, count.per_segment, count.remaining) == (3, 153, 152)


def test_twilio_ucs2_three_segments_with_one_unit_in_the_last():
    text = EMOJI + "23456789" + "0123456789" * 12 + "01234"

    count = sms_segments(text)

    assert (count.encoding, count.units, count.segments, count.remaining) == ("UCS-2", 135, 3, 66)


# GSM-7


def test_empty_text_is_no_segment():
    assert sms_segments("") == SegmentCount("GSM-7", 0, 0, 0, 160, 160)


@pytest.mark.parametrize(
    ("length", "segments", "per_segment", "remaining"),
    [(1, 1, 160, 159), (160, 1, 160, 0), (161, 2, 153, 145), (306, 2, 153, 0), (307, 3, 153, 152), (459, 3, 153, 0)],
)
def test_gsm_lengths(length, segments, per_segment, remaining):
    count = sms_segments("a" * length)

    assert (count.encoding, count.characters, count.units) == ("GSM-7", length, length)
    assert (count.segments, count.per_segment, count.remaining) == (segments, per_segment, remaining)


def test_opt_out_line_is_plain_gsm():
    count = sms_segments("Hi Dana, 20% off today only at Shop & Co! Reply STOP to opt out")

    assert (count.encoding, count.segments, count.units) == ("GSM-7", 1, 63)


def test_extension_characters_cost_two_septets():
    assert parts("{" * 80) == ("GSM-7", 160, 1)
    assert parts("{" * 81) == ("GSM-7", 162, 2)
    assert sms_segments("€5 [off] ~ ^ | \\ }\f").units == 19 + 9  # nine of the characters are escaped


def test_extension_character_at_a_part_boundary_moves_whole_to_the_next_part():
    count = sms_segments("a" * 152 + "€" + "a" * 152)

    # 306 septets would fill two parts, but the escape can't stay in part one while the € goes to part two
    assert (count.units, count.segments, count.remaining) == (306, 3, 152)


def test_extension_character_that_fits_a_part_exactly_stays():
    count = sms_segments("a" * 151 + "€" + "a" * 153)

    assert (count.units, count.segments, count.remaining) == (306, 2, 0)


def test_whole_gsm_alphabet_is_gsm():
    count = sms_segments("".join(sorted(GSM7_BASIC)))

    assert (count.encoding, count.characters, count.units, count.segments) == ("GSM-7", 127, 127, 1)


@pytest.mark.parametrize("char", ["Ç", "É", "ß", "Δ", "¤", "¡", "¿", "à", "\n", "\r", "@", "_", "$"])
def test_accented_and_greek_characters_of_the_alphabet_stay_gsm(char):
    assert sms_segments("Hi " + char).encoding == "GSM-7"


@pytest.mark.parametrize("char", ["ç", "`", "\t", "á", "’", "“", "\x1b", "ש", EMOJI])
def test_a_character_outside_gsm_switches_to_ucs2(char):
    count = sms_segments("Hi " + char)

    assert (count.encoding, count.per_segment) == ("UCS-2", 70)


# UCS-2


@pytest.mark.parametrize(
    ("length", "segments", "remaining"), [(70, 1, 0), (71, 2, 63), (134, 2, 0), (135, 3, 66), (201, 3, 0)]
)
def test_hebrew_lengths(length, segments, remaining):
    count = sms_segments(("שלום " * 50)[:length])

    assert (count.encoding, count.characters, count.units) == ("UCS-2", length, length)
    assert (count.segments, count.remaining) == (segments, remaining)


def test_one_emoji_makes_gsm_text_ucs2_and_counts_two_units():
    count = sms_segments("Happy birthday " + EMOJI)

    assert (count.encoding, count.characters, count.units, count.segments) == ("UCS-2", 16, 17, 1)


def test_emoji_at_a_part_boundary_is_not_split():
    count = sms_segments("a" * 66 + EMOJI + "a" * 66)

    # part one: 66 units and one unused; part two: the pair and 65 letters; the last letter makes a third
    assert (count.units, count.segments, count.remaining) == (134, 3, 66)


def test_emoji_filling_a_part_exactly_stays():
    count = sms_segments("a" * 65 + EMOJI + "a" * 67)

    assert (count.units, count.segments, count.remaining) == (134, 2, 0)


def test_mixed_hebrew_and_english():
    count = sms_segments("שלום Dana! הקופון שלך: SUMMER24. להסרה השב הסר")

    assert (count.encoding, count.characters, count.units, count.segments) == ("UCS-2", 46, 46, 1)


def test_extension_characters_cost_one_unit_in_ucs2():
    assert sms_segments(HEBREW + "{€}").units == 7


# Properties

alphabet = st.sampled_from(sorted(GSM7_BASIC) + sorted(GSM7_EXTENSION) + ["ç", "ש", "ם", EMOJI, "🇮"])


@given(st.text(alphabet=alphabet, max_size=500) | st.text(max_size=300))
def test_segments_between_the_ideal_split_and_one_per_unit(text):
    count = sms_segments(text)

    limit = count.per_segment
    assert count.units == (
        len(text.encode("utf-16-le")) // 2
        if count.encoding == "UCS-2"
        else len(text) + sum(ch in GSM7_EXTENSION for ch in text)
    )
    assert math.ceil(count.units / limit) <= count.segments <= count.units
    assert 0 <= count.remaining < limit or count.units == 0
    if count.segments > 1:
        # each part but the last is full but for at most the one unit a two-unit character couldn't use
        assert (count.segments - 1) * (limit - 1) + (limit - count.remaining) <= count.units


@given(st.text(alphabet=alphabet, max_size=400))
def test_same_count_as_cutting_parts_one_by_one(text):
    count = sms_segments(text)

    assert count.segments == len(_cut(text))


def _cut(text):
    """The parts a sender would actually send, cut character by character."""
    gsm = all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)
    single, part = (160, 153) if gsm else (70, 67)
    cost = [(2 if ch in GSM7_EXTENSION else 1) if gsm else len(ch.encode("utf-16-le")) // 2 for ch in text]
    if sum(cost) <= single:
        return [text] if text else []
    cuts, current, used = [], "", 0
    for ch, units in zip(text, cost, strict=True):
        if used + units > part:
            cuts.append(current)
            current, used = "", 0
        current += ch
        used += units
    return [*cuts, current]


# The compose screen's counter (static/js/sms_segments.js)

JS = Path(settings.BASE_DIR) / "static" / "js" / "sms_segments.js"

NODE_RUNNER = """
const fs = require("fs");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const output = { dataset: { templateGsm: "{characters} chars, {segments} SMS, {remaining} left",
                            templateUcs: "Unicode: {characters}/{segments}/{remaining}" }, textContent: "" };
const listeners = [];
const area = { value: input.typed, dataset: { smsCounter: "counter" },
               addEventListener: (kind, fn) => listeners.push([kind, fn]) };
globalThis.window = globalThis;
globalThis.document = {
  readyState: "complete", documentElement: { lang: "en" },
  querySelectorAll: (selector) => (selector === "textarea[data-sms-counter]" ? [area] : []),
  getElementById: (id) => (id === "counter" ? output : null),
};
require("vm").runInThisContext(fs.readFileSync(input.script, "utf8"));
const shown = [output.textContent];
area.value = input.retyped;
listeners.filter(([kind]) => kind === "input").forEach(([, fn]) => fn());
shown.push(output.textContent);
process.stdout.write(JSON.stringify({ counts: input.cases.map((text) => window.smsSegments(text)), shown }));
"""


def _js_cases():
    rng = random.Random(23038)
    pool = sorted(GSM7_BASIC) + sorted(GSM7_EXTENSION) * 4 + ["ç", "ש", "ם", EMOJI, "🇮🇱", "`", "\t"]
    cases = ["", "Reply STOP to opt out", "{" * 80, "{" * 81, "a" * 152 + "€" + "a" * 152, "a" * 66 + EMOJI + "a" * 66]
    cases += ["a" * n for n in (159, 160, 161, 306, 307)] + ["ש" * n for n in (70, 71, 134, 135)]
    cases += [*GSM7_BASIC, *GSM7_EXTENSION, "ç", "`", "\t", "\x1b", "’", "ש", EMOJI]
    for _ in range(300):
        gsm_only = rng.random() < 0.6
        chars = pool[: len(GSM7_BASIC) + 4 * len(GSM7_EXTENSION)] if gsm_only else pool
        cases.append("".join(rng.choice(chars) for _ in range(rng.randint(1, 480))))
    return cases


def _run_node(payload):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    done = subprocess.run(
        [node, "-e", NODE_RUNNER], input=json.dumps(payload), capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


def test_browser_counter_follows_the_same_rules():
    cases = _js_cases()

    result = _run_node({"script": str(JS), "cases": cases, "typed": "", "retyped": ""})

    for text, js in zip(cases, result["counts"], strict=True):
        py = sms_segments(text)
        expected = {
            "encoding": py.encoding,
            "characters": py.characters,
            "units": py.units,
            "segments": py.segments,
            "perSegment": py.per_segment,
            "remaining": py.remaining,
        }
        assert js == expected, text


def test_browser_counter_writes_the_templates_as_people_type():
    result = _run_node({"script": str(JS), "cases": [], "typed": "Hi Dana", "retyped": "שלום " + EMOJI})

    assert result["shown"] == ["7 chars, 1 SMS, 153 left", "Unicode: 6/1/63"]
