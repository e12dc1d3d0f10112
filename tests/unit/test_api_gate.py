"""The local API's gate to the one model, on its own: order, release, refusal."""

from __future__ import annotations

import asyncio

import pytest

from hushdesk.api.errors import ApiError
from hushdesk.api.gate import Gate


def test_one_generation_at_a_time_in_arrival_order_and_429_past_the_queue() -> None:
    async def scenario() -> list[int]:
        loop = asyncio.get_running_loop()
        gate, admitted = Gate(limit=2), []
        await gate.enter()  # a generation holds the model

        async def client(n: int) -> None:
            await gate.enter()
            admitted.append(n)
            gate.run(loop, lambda: None)  # a (very short) generation, then the next one

        waiting = [asyncio.create_task(client(n)) for n in (1, 2)]
        await asyncio.sleep(0.01)
        with pytest.raises(ApiError) as refused:
            await gate.enter()  # a third waiter is one too many
        assert refused.value.status == 429
        assert refused.value.code == "queue_full"
        assert admitted == []  # the model is still busy
        gate.run(loop, lambda: None)  # the first generation ends
        await asyncio.wait_for(asyncio.gather(*waiting), 5)
        return admitted

    assert asyncio.run(scenario()) == [1, 2]
