"""The ids a listing has handed out (vtasks._flows.seen): exact while few, 8 bytes an id beyond."""

from __future__ import annotations

import tracemalloc

import pytest

from vtasks._flows.seen import SeenIds


def test_each_id_is_new_once() -> None:
    seen = SeenIds(exact=4)
    ids = [f"cgt-{i}" for i in range(100)]
    assert all(seen.add(task_id) for task_id in ids)
    assert not any(seen.add(task_id) for task_id in ids)  # every one, hashed or exact
    assert all(task_id in seen for task_id in ids)
    assert "cgt-100" not in seen
    assert len(seen) == 100


def test_an_id_repeated_far_later_is_still_caught() -> None:
    seen = SeenIds(exact=8)
    assert seen.add("first")
    for i in range(1000):  # "first" is long folded into a hashed array
        seen.add(f"t{i}")
    assert "first" not in seen.recent
    assert not seen.add("first")


def test_the_hashed_arrays_stay_few_and_sorted() -> None:
    seen = SeenIds(exact=16)
    for i in range(16 * 100):
        seen.add(f"t{i}")
    assert len(seen.chunks) <= 8  # merged like a binary counter: about log2(100) + 1
    for chunk in seen.chunks:
        assert list(chunk) == sorted(chunk)
    sizes = [len(chunk) for chunk in seen.chunks]
    assert sizes == sorted(sizes, reverse=True)
    assert sum(sizes) + len(seen.recent) == 1600


def test_past_the_exact_ids_each_id_costs_about_8_bytes() -> None:
    ids = [f"cgt-2025010112{i:06d}-abcde" for i in range(50_000)]  # made before measuring
    tracemalloc.start()
    seen = SeenIds(exact=1024)
    for task_id in ids:
        seen.add(task_id)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(seen) == 50_000
    assert size < 50_000 * 8 * 2 + 1024 * 120  # a plain set would hold 50,000 x ~100 bytes


def test_add_all_takes_a_page_of_new_distinct_ids_in_one_go() -> None:
    seen = SeenIds(exact=10)
    assert seen.add_all(["a", "b", "c"])
    assert len(seen) == 3
    assert "b" in seen
    assert not seen.add("b")


@pytest.mark.parametrize(
    ("before", "page"),
    [
        (["a"], ["a", "b"]),  # one seen before
        ([], ["a", "b", "a"]),  # one twice on the page
        (["a", "b", "c", "d", "e"], ["f", "g", "h", "i", "j"]),  # the exact set would fill
    ],
)
def test_add_all_changes_nothing_when_it_cannot_take_the_page(
    before: list[str], page: list[str]
) -> None:
    seen = SeenIds(exact=10)
    for task_id in before:
        seen.add(task_id)
    assert not seen.add_all(page)
    assert len(seen) == len(before)
    assert not any(task_id in seen for task_id in page if task_id not in before)


def test_add_all_leaves_hashed_ids_to_add() -> None:
    seen = SeenIds(exact=2)
    seen.add("a")
    seen.add("b")  # folded into hashes
    assert not seen.add_all(["c"])
    assert seen.add("c")
