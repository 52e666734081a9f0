"""Sizes as AWS counts them (DynamoDB's "Item sizes and formats")."""

from __future__ import annotations

import pytest

from ticketflow_parity.sizes import item_size, number_size, utf8_size


@pytest.mark.parametrize(
    ("item", "size"),
    [
        ({"id": {"S": "abc"}}, 2 + 3),
        ({"é": {"S": "é"}}, 2 + 2),  # names and strings in UTF-8 bytes
        ({"b": {"B": b"\x00\x01"}}, 1 + 2),  # binary: its raw bytes
        ({"ok": {"BOOL": True}, "no": {"NULL": True}}, 2 + 1 + 2 + 1),
        ({"m": {"M": {}}}, 1 + 3),  # an empty map: 3 bytes
        ({"m": {"M": {"a": {"S": "x"}}}}, 1 + 3 + 1 + (1 + 1)),  # 3, 1 an element, the element
        ({"l": {"L": [{"S": "x"}, {"N": "1"}]}}, 1 + 3 + (1 + 1) + (1 + 2)),
        ({"s": {"SS": ["ab", "c"]}}, 1 + 3),
    ],
)
def test_an_items_size(item: dict[str, dict[str, object]], size: int) -> None:
    # GIVEN an item / WHEN sized / THEN as DynamoDB sizes it
    assert item_size(item) == size


@pytest.mark.parametrize(
    ("number", "size"), [("1", 2), ("12", 2), ("123", 3), ("0.0012300", 3), ("-1000", 2), ("9" * 38, 20)]
)
def test_a_number_takes_a_byte_per_two_significant_digits_and_one(number: str, size: int) -> None:
    assert number_size(number) == size


def test_text_is_counted_in_utf8_even_with_a_lone_surrogate() -> None:
    assert utf8_size("aé\U0001f600") == 1 + 2 + 4
    assert utf8_size("\ud800") == 3
