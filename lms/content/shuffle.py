"""The order choices are shown in (FORMAT.md §7.1): shuffled, stable for a seed, pins kept in place.

Pure and deterministic: the same seed always gives the same order, so a page
can be rebuilt on every reload without storing the order. Seeds name what the
order belongs to, e.g. ``attempt:{attempt_id}:{question_id}`` (an assessment
attempt), ``practice:{user_id}:{course_id}:{question_id}`` (a trainee's practice
question) or ``run:{run_id}:{node_id}`` (a role-play run). The order is not a
secret, only not the file's order, so no server key goes into the seed.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Collection, Sequence
from typing import Protocol, TypeVar


class Pinnable(Protocol):
    @property
    def pin(self) -> bool: ...


C = TypeVar("C", bound=Pinnable)


def shuffled_order(count: int, pinned: Collection[int], seed: str) -> tuple[int, ...]:
    """A permutation of range(count), the same for the same seed; each pinned index stays at its own position."""
    if count < 0:
        raise ValueError("count must not be negative")
    pinned_set = {i for i in pinned if 0 <= i < count}
    movable = [i for i in range(count) if i not in pinned_set]
    # sha256 rather than hash(): Python salts str hashes per process, and the
    # order must be the same in every worker and after every restart.
    rng = random.Random(int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest(), "big"))
    rng.shuffle(movable)
    shuffled = iter(movable)
    return tuple(i if i in pinned_set else next(shuffled) for i in range(count))


def ordered(choices: Sequence[C], shuffle: bool, seed: str) -> tuple[C, ...]:
    """The choices in the order to show them: file order when `shuffle` is off, else shuffled by `seed`."""
    if not shuffle:
        return tuple(choices)
    order = shuffled_order(len(choices), [i for i, choice in enumerate(choices) if choice.pin], seed)
    return tuple(choices[i] for i in order)
