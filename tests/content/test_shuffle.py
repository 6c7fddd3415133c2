"""Shuffled choice order (FORMAT.md §7.1): a permutation, stable per seed, pins in place."""
from dataclasses import dataclass

import pytest

from lms.content.shuffle import ordered, shuffled_order


@dataclass(frozen=True)
class Item:
    name: str
    pin: bool = False


def test_a_permutation_that_is_stable_for_a_seed():
    order = shuffled_order(6, (), "attempt:1:q")
    assert sorted(order) == list(range(6))
    assert shuffled_order(6, (), "attempt:1:q") == order


def test_different_seeds_give_different_orders():
    orders = {shuffled_order(5, (), f"attempt:{n}:q") for n in range(20)}
    assert len(orders) > 10  # 120 possible orders: twenty seeds do not all collide


def test_pinned_indexes_keep_their_place():
    for n in range(30):
        order = shuffled_order(5, {4, 1}, f"seed-{n}")
        assert order[4] == 4 and order[1] == 1
        assert sorted(order) == list(range(5))


def test_edge_sizes():
    assert shuffled_order(0, (), "s") == ()
    assert shuffled_order(1, (), "s") == (0,)
    assert shuffled_order(3, {0, 1, 2}, "s") == (0, 1, 2)
    assert shuffled_order(3, {7}, "s") in {(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)}
    with pytest.raises(ValueError):
        shuffled_order(-1, (), "s")


def test_the_order_is_the_same_in_every_process():
    # Fixed values: an order must not change with a restart, a worker or a Python release.
    assert shuffled_order(5, (), "attempt:1:q1") == shuffled_order(5, (), "attempt:1:q1")
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-c", "from lms.content.shuffle import shuffled_order;"
                          "print(shuffled_order(8, (7,), 'practice:3:c:q'))"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == str(shuffled_order(8, (7,), "practice:3:c:q"))


def test_ordered_honours_shuffle_off_and_pins():
    items = [Item("a"), Item("b"), Item("c"), Item("d"), Item("None of these", pin=True)]
    assert ordered(items, False, "x") == tuple(items)
    shown = [ordered(items, True, f"x{n}") for n in range(20)]
    assert all(s[-1].name == "None of these" for s in shown)
    assert any([i.name for i in s] != ["a", "b", "c", "d", "None of these"] for s in shown)
