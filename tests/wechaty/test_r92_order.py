"""Review r92 of 4416e44 (`_Turn`/`_Line`: the events behind one that hangs keep their own
order), over real gRPC with the fake puppet service. Strict xfails are findings; the plain
tests are what holds."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from grpc_server import FakeGateway
from puppet import World
from wechaty_support import Session, until

from bot.adapters.wechaty import WechatyGateway, _Turn
from bot.events import Event, MemberJoined, Message

RunBot = Callable[..., AbstractAsyncContextManager[Session]]


def _fed_at(s: Session) -> dict[str, float]:
    """The loop time at which each message (by text) reached the bot."""
    loop = asyncio.get_running_loop()
    times: dict[str, float] = {}
    feed = s.bot.feed

    async def timed(event: Event) -> None:
        if isinstance(event, Message):
            times[event.text] = loop.time()
        await feed(event)

    s.bot.feed = timed  # type: ignore[method-assign]
    return times


async def _hang(fake_gateway: FakeGateway, sender: str = "alice") -> asyncio.Event:
    """A message whose every load hangs (read again till given up): 'stuck'."""
    looked_up = fake_gateway.calls.count("MessagePayload")
    loads = fake_gateway.hold("MessagePayload", "stuck", every=True)
    fake_gateway.say("r1", sender, "stuck", message_id="stuck")
    await until(lambda: fake_gateway.calls.count("MessagePayload") > looked_up, "the hang")
    return loads


async def test_r92_1_the_bots_own_message_behind_a_hang_does_not_double_the_wait(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    """(Fixed: a dropped event is looked past, as if it never came.) An action's time of
    3 s: the wait with the fault is twice that, so the bound keeps 1.5 s for a loaded
    machine's lookups."""
    grpc_gateway.action_timeout = 3.0
    grpc_gateway.read_again_after = 0.05
    async with run_bot(grpc_gateway) as s:
        fed = _fed_at(s)
        loads = await _hang(fake_gateway)
        fake_gateway.say("r1", world.self_id, "echo of a reply")  # dropped: the bot's own
        start = asyncio.get_running_loop().time()
        fake_gateway.say("r1", "alice", "a")
        await until(lambda: "a" in fed, "a", 20)
        loads.set()
        await until(lambda: "stuck" in fed, "stuck, read again", 20)
    # before 4416e44 and since its fix: about one action's time (3 s); with it, two (6 s)
    assert fed["a"] - start < 1.5 * grpc_gateway.action_timeout


async def test_r92_2_a_chain_of_slow_lookups_behind_a_hang_keeps_its_order(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    """T = an action's time. q's name takes 1.35 T (its member lookup unanswered, its
    contact lookup slow), p's 0.7 T, x's and y's none. Each is looked up within T of the
    one after it, so each waits for the one before it; q goes ahead of stuck at 2.35 T, and
    p and x with it. y's limit on x ends at 2 T."""
    t = grpc_gateway.action_timeout = 2.0
    grpc_gateway.read_again_after = 0.05
    for member, name in (("dave", "Dave"), ("erin", "Erin")):
        world.contacts[member] = name
        world.rooms["r1"].members[member] = ""
    async with run_bot(grpc_gateway) as s:
        loads = await _hang(fake_gateway)
        names = fake_gateway.calls.count("RoomMemberPayload")
        unanswered = fake_gateway.hold("RoomMemberPayload", "dave")
        dave = fake_gateway.hold("ContactPayload", "dave")
        erin = fake_gateway.hold("RoomMemberPayload", "erin")
        fake_gateway.say("r1", "dave", "q")
        fake_gateway.say("r1", "erin", "p")
        fake_gateway.say("r1", "alice", "x")
        fake_gateway.say("r1", "alice", "y")
        await until(lambda: fake_gateway.calls.count("RoomMemberPayload") >= names + 4,
                    "the four name lookups")
        start = asyncio.get_running_loop().time()
        await asyncio.sleep(0.7 * t)
        erin.set()
        await until(lambda: "ContactPayload" in fake_gateway.calls[-3:], "q's contact lookup",
                    20)
        await asyncio.sleep(max(0.0, start + 1.35 * t - asyncio.get_running_loop().time()))
        dave.set()
        await until(lambda: len(s.of_type(Message)) == 4, "q, p, x and y", 20)
        loads.set()
        unanswered.set()
        await until(lambda: len(s.of_type(Message)) == 5, "stuck, read again", 20)
    assert [e.text for e in s.of_type(Message)] == ["q", "p", "x", "y", "stuck"]


async def test_a_join_and_the_newcomers_message_behind_a_hang_keep_their_order(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway) -> None:
    """Holds: the join's name lookup slow (0.5 s), the newcomer's message looked up at
    once, both behind a hung message: the join goes first."""
    grpc_gateway.action_timeout = 2.0
    grpc_gateway.read_again_after = 0.05
    async with run_bot(grpc_gateway) as s:
        loads = await _hang(fake_gateway)
        names = fake_gateway.calls.count("RoomMemberPayload")
        slow = fake_gateway.hold("RoomMemberPayload", "dave")  # the join's lookup of him
        fake_gateway.join("r1", {"dave": "Dave"}, inviter="alice")
        fake_gateway.say("r1", "dave", "hi")
        await until(lambda: fake_gateway.calls.count("RoomMemberPayload") >= names + 2,
                    "both lookups")
        await asyncio.sleep(0.5)
        slow.set()
        await until(lambda: len(s.events) == 2, "the join and the message", 20)
        loads.set()
        await until(lambda: len(s.of_type(Message)) == 2, "stuck, read again", 20)
    assert [type(e).__name__ for e in s.events] == ["MemberJoined", "Message", "Message"]
    assert [e.text for e in s.of_type(Message)] == ["hi", "stuck"]
    assert [m.id for m in s.of_type(MemberJoined)[0].members] == ["dave"]


async def test_a_callback_that_raises_after_its_lookups_does_not_hold_up_the_next(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway) -> None:
    """Holds: the bot fails on one event (after its lookups): the next goes at once."""
    grpc_gateway.action_timeout = 3.0
    async with run_bot(grpc_gateway) as s:
        fed = _fed_at(s)
        feed = s.bot.feed

        async def failing(event: Event) -> None:
            await feed(event)
            if isinstance(event, Message) and event.text == "boom":
                raise RuntimeError("the bot failed")

        s.bot.feed = failing  # type: ignore[method-assign]
        fake_gateway.say("r1", "alice", "boom")
        fake_gateway.say("r1", "alice", "after")
        await until(lambda: "after" in fed, "the next message", 20)
    assert fed["after"] - fed["boom"] < grpc_gateway.action_timeout / 2


async def test_a_long_run_of_events_leaves_no_turns_behind(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    """Holds: no turn keeps its predecessors (the `_before` link is dropped once it goes):
    after 300 messages (some the bot's own, dropped), one hung and given up among them, at
    most the line's last turn is alive (and a burst keeps its order)."""
    grpc_gateway.action_timeout = 3.0  # (shorter, a loaded machine's lookups time out)
    grpc_gateway.read_again_after = 0.05
    async with run_bot(grpc_gateway) as s:
        loads = await _hang(fake_gateway)
        for i in range(300):
            fake_gateway.say("r1", world.self_id if i % 7 == 0 else "alice", f"m{i}")
        await until(lambda: len(s.of_type(Message)) == 300 - 43, "the run", 60)
        await until(lambda: not grpc_gateway._callbacks, "every callback over (stuck given up)",
                    40)
        last = grpc_gateway._line._last
        assert last is not None
        # (an event ended before those ahead of it is over one loop step after them)
        await until(lambda: last.over.done(), "the last turn over")
        gc.collect()
        alive = [o for o in gc.get_objects() if isinstance(o, _Turn)]
        loads.set()
    assert len(alive) <= 3  # (the line's last, and what a log record may still hold)
    texts = [e.text for e in s.of_type(Message) if e.text != "stuck"]
    assert texts == [f"m{i}" for i in range(300) if i % 7], "a burst kept its order"
