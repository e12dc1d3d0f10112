"""The local API's gate, on its own: how many are let in, order, release, refusal."""

from __future__ import annotations

import asyncio

import pytest

from hushdesk.api.errors import ApiError
from hushdesk.api.gate import Gate


def test_generations_pass_side_by_side_and_the_one_past_the_limit_is_a_429() -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        gate = Gate(limit=2)  # the engine orders their model calls, not the gate
        await gate.enter()
        await asyncio.wait_for(gate.enter(), 1)  # a second comes in at once
        with pytest.raises(ApiError) as refused:
            await gate.enter()  # a third is one too many
        assert refused.value.status == 429
        assert refused.value.code == "queue_full"
        gate.run(loop, lambda: None)  # one ends: its place is free again
        await asyncio.sleep(0.2)
        await asyncio.wait_for(gate.enter(), 1)

    asyncio.run(scenario())


def test_a_serial_gate_lets_one_in_at_a_time_in_arrival_order() -> None:
    async def scenario() -> list[int]:
        loop = asyncio.get_running_loop()
        gate, admitted = Gate(limit=3, serial=True), []
        await gate.enter()  # a lookup holds the embedding model

        async def client(n: int) -> None:
            await gate.enter()
            admitted.append(n)
            gate.run(loop, lambda: None)  # a (very short) lookup, then the next one

        waiting = [asyncio.create_task(client(n)) for n in (1, 2)]
        await asyncio.sleep(0.01)
        with pytest.raises(ApiError):
            await gate.enter()  # three in: one too many
        assert admitted == []  # the model is still busy
        gate.run(loop, lambda: None)  # the first lookup ends
        await asyncio.wait_for(asyncio.gather(*waiting), 5)
        return admitted

    assert asyncio.run(scenario()) == [1, 2]
