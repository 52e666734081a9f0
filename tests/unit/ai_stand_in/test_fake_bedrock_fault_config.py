"""Fault configuration and decisions (no network): parsing, seeded repeatability, rates, translation."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from fake_bedrock.__main__ import load_faults
from fake_bedrock.faults import FaultConfig, FaultConfigError, FaultInjector, Latency
from fake_bedrock.protocols.comprehend import batch_detect_sentiment, detect_sentiment
from fake_bedrock.protocols.errors import Service, ServiceError
from ticketflow_dev.faults.fake_bedrock_admin import operation_rule, with_rule


def _decisions(config: FaultConfig, op: str, n: int) -> list[tuple[str | None, float, str | None]]:
    injector = FaultInjector(config)
    out = []
    for _ in range(n):
        d = injector.decide(op, produces_model_output=True)
        out.append(
            (d.error.code if d.error else None, d.delay_s, d.bad_output.value if d.bad_output else None)
        )
    return out


def test_config_round_trips_through_json_and_files(tmp_path: Path) -> None:
    # GIVEN a configuration with every kind of rule
    raw: dict[str, Any] = {
        "seed": 7,
        "operations": {
            "converse": {
                "error_rate": 0.3,
                "errors": {"ThrottlingException": 3, "ModelTimeoutException": 1},
                "latency": {"distribution": "uniform", "min_ms": 5, "max_ms": 10},
                "bad_output_rate": 0.1,
            },
            "*": {"latency_ms": 20},
        },
    }
    path = tmp_path / "faults.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    # WHEN it is parsed from text and from a file, with a seed override
    from_text = FaultConfig.parse(json.dumps(raw))
    from_file = load_faults(str(path), seed=9)
    # THEN both agree, the override wins, and to_dict parses back to the same configuration
    assert from_text.operations == from_file.operations
    assert from_file.seed == 9
    assert FaultConfig.from_dict(from_text.to_dict()) == from_text
    assert from_text.rule("detect_sentiment") == from_text.operations["*"]


@pytest.mark.parametrize(
    "raw",
    [
        {"operations": {"nope": {}}},
        {"operations": {"converse": {"error_rate": 1.5}}},
        {"operations": {"converse": {"errors": ["NoSuchError"]}}},
        {"operations": {"converse": {"latency": {"distribution": "poisson"}}}},
        {"operations": {"converse": {"latency": {"distribution": "uniform", "min_ms": 9, "max_ms": 1}}}},
        {"operations": {"converse": {"surprise": 1}}},
        {"seed": "seven"},
        [],
    ],
)
def test_bad_configurations_are_refused(raw: Any) -> None:
    # GIVEN a malformed configuration  WHEN it is parsed  THEN it is refused with a reason
    with pytest.raises(FaultConfigError):
        FaultConfig.from_dict(raw)


def test_same_seed_same_decisions_and_another_seed_differs() -> None:
    # GIVEN one rule under two seeds
    rule = {
        "error_rate": 0.3,
        "bad_output_rate": 0.2,
        "latency": {"distribution": "normal", "mean_ms": 5, "stddev_ms": 2},
    }
    seven = FaultConfig.from_dict({"seed": 7, "operations": {"converse": rule}})
    eight = FaultConfig.from_dict({"seed": 8, "operations": {"converse": rule}})
    # WHEN 200 decisions are drawn twice with seed 7 and once with seed 8
    # THEN seed 7 repeats exactly and seed 8 does not
    assert _decisions(seven, "converse", 200) == _decisions(seven, "converse", 200)
    assert _decisions(seven, "converse", 200) != _decisions(eight, "converse", 200)


def test_error_rate_and_mix_are_observed() -> None:
    # GIVEN a 25% error rate weighted 3:1 between two codes
    errors = {"ThrottlingException": 3, "ServiceUnavailableException": 1}
    config = FaultConfig.from_dict(
        {"seed": 1, "operations": {"invoke_model": {"error_rate": 0.25, "errors": errors}}}
    )
    # WHEN 4,000 requests are decided
    codes = Counter(code for code, _, _ in _decisions(config, "invoke_model", 4000))
    # THEN about a quarter fail, three throttles to one unavailable
    failed = codes["ThrottlingException"] + codes["ServiceUnavailableException"]
    assert 0.22 < failed / 4000 < 0.28
    assert 2.4 < codes["ThrottlingException"] / codes["ServiceUnavailableException"] < 3.8


def test_wildcard_rules_speak_each_services_error_codes() -> None:
    # GIVEN a `*` rule that always throttles
    config = FaultConfig.from_dict(
        {"operations": {"*": {"error_rate": 1, "errors": ["ThrottlingException"]}}}
    )
    # WHEN Bedrock and Comprehend operations are decided
    bedrock = _decisions(config, "converse", 1)[0][0]
    comprehend = _decisions(config, "detect_sentiment", 1)[0][0]
    # THEN each gets its own service's throttling error
    assert (bedrock, comprehend) == ("ThrottlingException", "TooManyRequestsException")


def test_latency_distributions_stay_in_range() -> None:
    # GIVEN three latency shapes  WHEN sampled  THEN fixed is exact, uniform bounded, normal never negative
    rng = random.Random(0)
    assert Latency(ms=12).sample_ms(rng) == 12
    uniform = [Latency("uniform", min_ms=5, max_ms=9).sample_ms(rng) for _ in range(500)]
    assert all(5 <= v <= 9 for v in uniform)
    assert all(Latency("normal", mean_ms=1, stddev_ms=10).sample_ms(rng) >= 0 for _ in range(500))


def test_stats_count_requests_and_injections() -> None:
    # GIVEN an injector that always fails converse
    injector = FaultInjector(FaultConfig.from_dict({"operations": {"converse": {"error_rate": 1}}}))
    # WHEN three requests are decided and their responses recorded
    for _ in range(3):
        decision = injector.decide("converse", produces_model_output=True)
        assert decision.error is not None
        injector.record_response("converse", decision.error.status(Service.BEDROCK))
    stats = injector.stats()["converse"]
    # THEN the counts say so, and clearing the faults stops the errors
    assert stats["requests"] == 3
    assert stats["injected_error_count"] == 3
    assert sum(stats["responses"].values()) == 3
    injector.clear()
    assert injector.decide("converse", produces_model_output=True).error is None


def test_client_builds_rules_the_server_accepts() -> None:
    # GIVEN a rule built by the ticketflow client for each latency distribution
    for distribution in ("fixed", "uniform", "normal"):
        rule = operation_rule(
            error_rate=0.3,
            errors=["ThrottlingException"],
            latency_ms=200,
            latency_jitter_ms=50,
            latency_distribution=distribution,
            bad_output_rate=0.1,
        )
        # WHEN merged into a configuration  THEN the server's parser accepts it
        merged = with_rule({"seed": 1, "operations": {"*": {"error_rate": 0.1}}}, "converse", rule, seed=7)
        parsed = FaultConfig.from_dict(merged)
        assert parsed.seed == 7
        assert set(parsed.operations) == {"*", "converse"}


def test_comprehend_limits_without_a_server() -> None:
    # GIVEN requests at and over Comprehend's limits
    ok = detect_sentiment({"Text": "é" * 2500, "LanguageCode": "en"})  # exactly 5,000 bytes
    batch = batch_detect_sentiment({"TextList": ["fine", "\ud800 broken"], "LanguageCode": "en"})
    cases = [
        ({"Text": "é" * 2501, "LanguageCode": "en"}, "TextSizeLimitExceededException"),
        ({"Text": "hi", "LanguageCode": "xx"}, "ValidationException"),
        ({"Text": "hi"}, "ValidationException"),
        ({"Text": "\ud800", "LanguageCode": "en"}, "InvalidRequestException"),
    ]
    # THEN the limit itself passes, a bad document in a batch is an ErrorList entry, and the rest fail
    assert ok["Sentiment"] in ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED")
    assert [r["Index"] for r in batch["ResultList"]] == [0]
    assert [e["Index"] for e in batch["ErrorList"]] == [1]
    for body, code in cases:
        with pytest.raises(ServiceError) as caught:
            detect_sentiment(body)
        assert caught.value.code == code
