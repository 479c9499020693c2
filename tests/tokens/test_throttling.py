"""API-4: the per-token rate is a sliding-window counter (two counters per token, whatever the rate)."""

from types import SimpleNamespace

import pytest

from marketing.tokens.throttling import TokenRateThrottle

MINUTE = 60.0
START = 1_000_000 * MINUTE  # the start of a window


@pytest.fixture
def throttle_at(monkeypatch):
    """throttle_at(seconds) -> allow_request for one token at START + seconds, with 10 requests a minute."""
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "10/minute"})
    request = SimpleNamespace(auth=SimpleNamespace(pk=7))
    last = {}

    def at(seconds: float) -> bool:
        throttle = TokenRateThrottle()
        throttle.timer = lambda: START + seconds
        last["throttle"] = throttle
        return throttle.allow_request(request, None)

    at.last = last
    return at


def test_the_limit_is_reached_within_a_window_and_refusals_are_not_counted(throttle_at):
    answers = [throttle_at(1 + i) for i in range(12)]

    assert answers == [True] * 10 + [False] * 2
    assert throttle_at.last["throttle"].current == 10


def test_the_previous_window_counts_for_the_part_the_last_minute_still_covers(throttle_at):
    for i in range(10):
        assert throttle_at(50 + i / 10)

    # 1 s into the next window the previous one still weighs 10 × 59/60 = 9.83: one more fits, a second does not.
    assert [throttle_at(MINUTE + 1), throttle_at(MINUTE + 1)] == [True, False]


def test_the_previous_window_fades_as_the_new_one_goes_on(throttle_at):
    for i in range(10):
        assert throttle_at(i)

    assert [throttle_at(MINUTE + 30) for _ in range(6)] == [True] * 5 + [False]  # 10 × ½ + 5 = 10


def test_retry_after_says_when_the_estimate_falls_below_the_limit(throttle_at):
    for i in range(10):
        throttle_at(i)

    assert not throttle_at(20)
    assert throttle_at.last["throttle"].wait() == pytest.approx(MINUTE - 20 + MINUTE * (1 - 10 / 10), abs=1)
    assert throttle_at(MINUTE + 7)  # 10 × 53/60 = 8.8 < 10


def test_two_tokens_have_counters_of_their_own(throttle_at):
    for i in range(10):
        throttle_at(i)
    other = TokenRateThrottle()
    other.timer = lambda: START + 11

    assert other.allow_request(SimpleNamespace(auth=SimpleNamespace(pk=8)), None)
