"""WeChat through a wechaty puppet-service gateway: a Gateway on the python-wechaty puppet.

The only module of the project that imports wechaty. It talks to the puppet (the gRPC
client of wechaty-puppet-service) directly, not through python-wechaty's Wechaty, Room and
Contact objects: that layer handles only the first login of a connection, drops an event
whose contact lookup fails, and fetches every message it sends (a failed fetch looks like a
failed send, so a retry sends it twice). Here every event is translated with fallbacks (the
id as the name), a send is done once the gateway accepts it, failures come out in the
classes of bot/adapters/base.py, and the connection has its own reconnect loop.
Operator guide: docs/wechat.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import socket
import time
from collections import OrderedDict
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Coroutine,
    Iterable,
    Mapping,
)
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

_LOGGERS_BEFORE = set(logging.root.manager.loggerDict)

from grpclib.client import Channel  # noqa: E402
from grpclib.config import Configuration  # noqa: E402
from grpclib.const import Status  # noqa: E402
from grpclib.exceptions import GRPCError, StreamTerminatedError  # noqa: E402
from wechaty_grpc.wechaty import PuppetStub  # noqa: E402
from wechaty_grpc.wechaty import puppet as puppet_pb  # noqa: E402
from wechaty_puppet import (  # noqa: E402
    EventErrorPayload,
    EventFriendshipPayload,
    EventLoginPayload,
    EventLogoutPayload,
    EventMessagePayload,
    EventRoomInvitePayload,
    EventRoomJoinPayload,
    EventRoomLeavePayload,
    EventRoomTopicPayload,
    EventScanPayload,
    EventType,
    FileBox,
    FriendshipType,
    MessageType,
    PayloadType,
    Puppet,
    PuppetOptions,
    ScanStatus,
)
from wechaty_puppet_service import PuppetService  # noqa: E402
from wechaty_puppet_service.utils import extract_host_and_port  # noqa: E402

from bot.adapters.base import (  # noqa: E402
    Disconnected,
    GatewayError,
    GroupInfo,
    PartlyRead,
    RateLimited,
    Refused,
    Uncertain,
)
from bot.config import gateway_endpoint  # noqa: E402
from bot.events import (  # noqa: E402
    Event,
    FriendRequest,
    GroupRenamed,
    Kind,
    Member,
    MemberJoined,
    MemberLeft,
    Message,
    quote_reply,
)
from bot.inbound import GroupInvitation, Inbound  # noqa: E402
from bot.media import Attachment  # noqa: E402
from bot.sanitize import member_name  # noqa: E402

log = logging.getLogger(__name__)

T = TypeVar("T")

TOKEN_VAR = "WECHATY_PUPPET_SERVICE_TOKEN"
ENDPOINT_VAR = "WECHATY_PUPPET_SERVICE_ENDPOINT"

ACTION_TIMEOUT = 30.0  # seconds the gateway gets to carry out one action
STOP_TIMEOUT = 5.0  # seconds to say goodbye to the gateway before closing the channel
KEEPALIVE = 60.0  # seconds between pings on the connection to the gateway
KEEPALIVE_TIMEOUT = 20.0  # seconds a ping may go unanswered before the connection is given up
START_PATIENCE = 60.0  # seconds between warnings while the gateway does not answer Start
# events read again when the connection's end cut their lookups short, or they found no
# connection (the last ones before it ended): a message or friend request by the id the gateway
# reads it by, a join or leave by what it carries (its names are looked up again: not made up)
_READ_AGAIN = frozenset({"message", "friendship", "room-join", "room-leave"})
READS = 3  # tries to read such an event, or to do what failed for the platform (then given up)
DEDUPE_SECONDS = 60.0  # a join/leave/friend request seen again within this is a duplicate
NAME_LOOKUPS = 16  # member-name lookups in flight at once
LIST_AGAIN_MAX = 60.0  # at most this many seconds between tries to list the groups again
INVITATIONS_KEPT = 1000  # group invitations remembered as accepted or declined (the newest)
UNANSWERED_NAME = 600.0  # seconds a contact whose lookup went unanswered is not looked up
AT_SEPARATOR = "\u2005"  # what WeChat puts between two @mentions

KINDS: Mapping[MessageType, Kind] = {
    MessageType.MESSAGE_TYPE_TEXT: Kind.TEXT,
    MessageType.MESSAGE_TYPE_IMAGE: Kind.IMAGE,
    MessageType.MESSAGE_TYPE_URL: Kind.LINK,
    MessageType.MESSAGE_TYPE_MINI_PROGRAM: Kind.MINI_PROGRAM,
    MessageType.MESSAGE_TYPE_CONTACT: Kind.CARD,
    MessageType.MESSAGE_TYPE_ATTACHMENT: Kind.FILE,
    MessageType.MESSAGE_TYPE_VIDEO: Kind.VIDEO,
    MessageType.MESSAGE_TYPE_AUDIO: Kind.VOICE,
    MessageType.MESSAGE_TYPE_EMOTICON: Kind.EMOJI,
}

# gRPC answers that say what kind of failure it was (anything else: a plain GatewayError)
_REFUSED = frozenset({Status.NOT_FOUND, Status.INVALID_ARGUMENT, Status.PERMISSION_DENIED,
                      Status.FAILED_PRECONDITION, Status.UNAUTHENTICATED, Status.UNIMPLEMENTED})
# answers that do not say whether a call that sends was carried out: the answer was lost (a
# deadline, a cancel), or the gateway's puppet failed somewhere in it, before or after WeChat
# took it (the TypeScript gateway answers INTERNAL for whatever its puppet throws; UNKNOWN and
# DATA_LOSS say no more). A call that sends answered so is Uncertain: a message goes at most
# once.
_MAYBE_DONE = frozenset({Status.DEADLINE_EXCEEDED, Status.CANCELLED, Status.UNKNOWN,
                         Status.INTERNAL, Status.DATA_LOSS})


def _event_id(payload: Any) -> str:
    """The id a message or friend request event is read by; a join or leave's group, members
    and time."""
    if isinstance(payload, EventRoomJoinPayload | EventRoomLeavePayload):
        ids = payload.invited_ids if isinstance(payload, EventRoomJoinPayload) \
            else payload.removed_ids
        return f"{payload.room_id} {','.join(ids or ())} at {payload.timestamp}"
    return str(getattr(payload, "message_id", None) or getattr(payload, "friendship_id", ""))


class Unanswered(GatewayError):
    """The gateway did not answer a lookup within the action's time (the outbox and the core
    take it as any GatewayError)."""


def _library_logs_through_ours(names: Collection[str]) -> None:
    """The puppet libraries' loggers print INFO on every event to their own stderr handler
    and do not propagate; route them through the application's logging at WARNING."""
    for name in names:
        logger = logging.getLogger(name)
        if logger.propagate:
            continue
        logger.handlers.clear()
        logger.propagate = True
        if "WECHATY_LOG" not in os.environ:
            logger.setLevel(logging.WARNING)
    # PuppetService logs the token at WARNING whenever both a token and an endpoint are set;
    # FileBox warns that its own mimeType is deprecated each time a file is sent.
    for noisy in ("PuppetService", "FileBox"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


_library_logs_through_ours(set(logging.root.manager.loggerDict) - _LOGGERS_BEFORE)


def check_endpoint(endpoint: str) -> str:
    """`host:port` of the puppet-service gateway, read as bot.yaml's `endpoint:` is
    (config.gateway_endpoint), or ValueError saying what is wrong."""
    if (taken := gateway_endpoint(endpoint)) is None:
        raise ValueError(f"{ENDPOINT_VAR} must be host:port of the wechaty gateway "
                         f"(e.g. 127.0.0.1:8788), not {endpoint!r}")
    return taken


# ---------------------------------------------------------------- the puppet-service client

_EVENTS_WITH_DATA = frozenset({EventType.EVENT_TYPE_ERROR, EventType.EVENT_TYPE_READY,
                               EventType.EVENT_TYPE_HEARTBEAT, EventType.EVENT_TYPE_LOGOUT,
                               EventType.EVENT_TYPE_RESET})


_EVENT_TYPES = frozenset(EventType)  # the event types the client knows

# a group's changes, with the key naming who made each: the TypeScript gateway writes a
# payload with JSON.stringify, which leaves out a key whose value is undefined (a join by QR
# code has no inviter, a member who left by himself no remover, a rename the provider cannot
# attribute no changer)
_CHANGED_BY = {EventType.EVENT_TYPE_ROOM_JOIN: "inviterId",
               EventType.EVENT_TYPE_ROOM_LEAVE: "removerId",
               EventType.EVENT_TYPE_ROOM_TOPIC: "changerId"}
# a group's change, by its callback's name, with what it cannot be handled without: the group,
# and who joined or left, or the new name
_NEEDED = {EventType.EVENT_TYPE_ROOM_JOIN: ("room-join", ("roomId", "inviteeIdList")),
           EventType.EVENT_TYPE_ROOM_LEAVE: ("room-leave", ("roomId", "removeeIdList")),
           EventType.EVENT_TYPE_ROOM_TOPIC: ("room-topic", ("roomId", "newTopic"))}


def _repair(response: Any) -> str:
    """Fill in what the library requires and gateways leave out: error events come as
    {"gerror": ...} or {} without `data`; some joins and leaves have no timestamp (0: the
    bot takes the time it received them), a join, leave or rename may not say who made it
    ('': nobody named), and a rename its old name ('': only logged), or say null for any of
    them; a logout without `contactId` is still a logout. What a group's change names
    nothing for and cannot be handled without (`_NEEDED`: a rename without its new name, a
    join without who joined) cannot be filled in: the event is named with what it lacks,
    not to be handled ('' for every other)."""
    if response.type not in _EVENTS_WITH_DATA and response.type not in _CHANGED_BY:
        return ""
    try:
        payload = json.loads(response.payload or "{}")
    except ValueError:
        payload = {"data": response.payload}
    if not isinstance(payload, dict):
        payload = {"data": "" if payload is None else str(payload)}
    if response.type in _NEEDED:
        name, needed = _NEEDED[response.type]
        # (a new name may be empty: a group whose name was cleared shows its members')
        if lacking := [key for key in needed if payload.get(key) is None
                       or (key != "newTopic" and payload[key] in ("", []))]:
            return f"a {name} event without {' or '.join(lacking)} (null, empty or left out)"
    if response.type in _CHANGED_BY:  # (left out, or sent as null)
        unset = {"timestamp": 0, _CHANGED_BY[response.type]: ""}
        if response.type == EventType.EVENT_TYPE_ROOM_TOPIC:
            unset["oldTopic"] = ""  # (a provider that did not know it)
        for key, value in unset.items():
            if payload.get(key) is None:
                payload[key] = value
    elif not payload.get("data"):
        payload["data"] = str(payload.pop("gerror", "") or "")
    payload.pop("gerror", None)
    if response.type == EventType.EVENT_TYPE_LOGOUT:
        payload.setdefault("contactId", "")
    response.payload = json.dumps(payload)
    return ""


def _keepalive() -> Configuration:
    """The channel's keepalive: an HTTP/2 ping every KEEPALIVE seconds while a call is open (the
    event stream always is), the connection closed when one is not answered within
    KEEPALIVE_TIMEOUT. A gateway that stops answering while the TCP connection stays up (its
    machine gone, a NAT or firewall that forgot the connection) would otherwise leave the bot
    waiting for events for ever; so it reconnects. grpclib's default stops after two pings
    while the bot sends nothing, at least five minutes apart: every ping here."""
    return Configuration(_keepalive_time=KEEPALIVE, _keepalive_timeout=KEEPALIVE_TIMEOUT,
                         _http2_max_pings_without_data=0,
                         _http2_min_sent_ping_interval_without_data=KEEPALIVE / 2)


class _ServiceConnection(PuppetService):
    """The library's gRPC puppet client with the faults that stop a bot worked around."""

    def _init_puppet(self) -> None:
        # The library pings the endpoint with a blocking telnet (stalling the event loop up
        # to 3 s) and, without an endpoint, asks api.chatie.io. The endpoint is always set
        # here, and an unreachable gateway fails the first call instead.
        host, port = extract_host_and_port(self.options.end_point)
        self.channel = Channel(host=host, port=port, config=_keepalive())
        self.channel._authority = self.options.token  # how the gateway receives the token
        self._puppet_stub = PuppetStub(self.channel)

    async def start(self) -> None:
        """As the library's: Stop, Start, then the event stream until it ends. A gateway whose
        puppet is stuck starting does not answer Start, and the bot would wait for it without
        a word: the wait is named in the log every START_PATIENCE seconds."""
        self._init_puppet()
        try:
            await self._answered("Stop", self.puppet_stub.stop())
        except Exception:  # not a cancel: a bot stopping must not wait for Start
            await self._answered("Start", self.puppet_stub.start())
            raise
        await self._answered("Start", self.puppet_stub.start())
        await self._listen_for_event()

    async def _answered(self, name: str, call: Awaitable[T]) -> T:
        waiting = asyncio.ensure_future(call)
        try:
            while not (await asyncio.wait({waiting}, timeout=START_PATIENCE))[0]:
                log.warning("the wechaty gateway at %s has not answered %s for %gs: its puppet"
                            " may be stuck starting (see the gateway's log)",
                            self.options.end_point, name, START_PATIENCE)
            return waiting.result()
        finally:
            waiting.cancel()

    async def room_qr_code(self, room_id: str) -> str:
        # The library's own leaves the room id out of the request (its generated stub takes
        # no parameter), so the gateway would not know which group: send it as the proto
        # defines RoomQRCodeRequest.
        response = await self.puppet_stub._unary_unary(
            "/wechaty.Puppet/RoomQRCode", puppet_pb.RoomQrCodeRequest(id=room_id),
            puppet_pb.RoomQrCodeResponse)
        return str(response.qrcode)

    async def room_invitation_payload(self, room_invitation_id: str,
                                      payload: Any = None) -> Any:
        # The library's own builds its payload class from the answer's camelCase keys
        # (inviterId...), which that class does not take: it always raises. The answer is
        # that class already.
        return await self.puppet_stub.room_invitation_payload(id=room_invitation_id)

    async def _listen_for_event(self) -> None:
        # The library decodes every event inside its one loop over the gRPC stream: an event
        # it cannot decode (an error event without `data`...) raises there, ends the stream
        # and stops the bot without a word. Run its decoder on one event at a time instead.
        stub = self.puppet_stub
        async for response in stub.event():
            if response.type not in _EVENT_TYPES:  # the library would drop it without a word
                log.info("skipped an event of a type this client does not know (a newer"
                         " gateway's?): type %s, payload %.200s", response.type,
                         response.payload)
                continue
            if unusable := _repair(response):
                log.warning("skipped %s: nothing to handle; payload %.200s", unusable,
                            response.payload)
                continue
            try:
                await self._decode_one(stub, response)
            except Exception:
                log.exception("skipped an event the library cannot decode: type %s, payload %s",
                              response.type, response.payload)

    async def _decode_one(self, stub: PuppetStub, response: Any) -> None:
        async def just_this() -> AsyncIterator[Any]:
            yield response

        stub.event = just_this  # what the library's loop reads
        try:
            await super()._listen_for_event()
        finally:
            del stub.event

    async def stop(self) -> None:
        """Tell the gateway we stop, then close the channel even when it does not answer."""
        channel = self.channel
        try:
            async with asyncio.timeout(STOP_TIMEOUT):
                await super().stop()
        finally:
            if channel is not None:
                channel.close()
            self.channel = None
            self._puppet_stub = None


def _explain(exc: BaseException) -> str:
    if isinstance(exc, GRPCError):
        if exc.status is Status.UNAUTHENTICATED:
            return f"the gateway refused the token ({TOKEN_VAR}): {exc.message}"
        return f"the gateway answered {exc.status.name}: {exc.message or 'no details'}"
    if isinstance(exc, StreamTerminatedError):
        return f"the gateway closed the connection ({exc})"
    if isinstance(exc, OSError):
        return f"cannot reach the gateway: {exc}"
    return f"{type(exc).__name__}: {exc}"


def _classify(what: str, exc: Exception, *, sends: bool) -> GatewayError:
    """The class of a failure of the puppet call `what`. A call that `sends` (a message, a
    removal, an invitation) may have been carried out when its answer was lost: Uncertain."""
    message = f"{what}: {_explain(exc)}"
    if isinstance(exc, GRPCError):
        if exc.status is Status.RESOURCE_EXHAUSTED:
            return RateLimited(message)
        if exc.status is Status.UNAVAILABLE:
            return Disconnected(message)
        if exc.status in _REFUSED:
            return Refused(message)
        if exc.status in _MAYBE_DONE and sends:
            return Uncertain(message)
        return GatewayError(message)
    if isinstance(exc, (ConnectionRefusedError, socket.gaierror)):
        return Disconnected(message)  # no connection was made: nothing reached the gateway
    if isinstance(exc, (StreamTerminatedError, OSError)):
        return Uncertain(message) if sends else Disconnected(message)
    return GatewayError(message)


# ---------------------------------------------------------------- events in arrival order


class _Turn:
    """One event's place in line for the bot (see _Line)."""

    def __init__(self, previous: _Turn | None) -> None:
        self._previous = previous.over if previous is not None else None
        self._before = previous  # (its `looked_up`, while this one may need it)
        loop = asyncio.get_running_loop()
        self.over: asyncio.Future[None] = loop.create_future()
        self.looked_up: asyncio.Future[None] = loop.create_future()  # it waits for its turn
        self.going: asyncio.Future[None] = loop.create_future()  # its wait is over
        self.left: asyncio.Future[None] = loop.create_future()  # dropped before it looked up
        self._dropped = False
        self._overtook = False
        # when the run of events looked up behind each other that it went with began to go
        # (its own going, if it went alone)
        self._run_began: float | None = None
        # when it goes ahead of an earlier one not looked up (a later one in a hurry may bring
        # it forward: `_hurry`, set again at each wake)
        self._deadline = math.inf
        self._hurried: asyncio.Future[None] = loop.create_future()

    async def wait(self, at_most: float) -> None:
        """Until every event delivered before this one has been fed or given up. An earlier
        one whose lookups are not done after `at_most` seconds is gone ahead of (a lookup the
        gateway never answers must not hold up every later event), but not the ones before
        it that looked up; one dropped meanwhile is looked past. One that has looked up is
        waited for: it goes in its own time (else this one, its lookups done first, would
        run out of time before it and overtake it: a newcomer's name is slower to look up
        than a known member's), and is fed within `2 * at_most` of when its run went."""
        if not self.looked_up.done():
            self.looked_up.set_result(None)
        before, self._before = _live(self._before), None
        loop = asyncio.get_running_loop()
        if self._previous is None:
            self._run_began = loop.time()
            self._go()
            return
        began = loop.time()
        self._deadline = min(self._deadline, began + at_most)
        waited = self._previous  # every event before this one over
        while True:
            # asyncio.wait, not await: a cancel of this event must not cancel the previous
            await asyncio.wait(
                {waited, self._hurried} | ({before.looked_up, before.left} if before else set()),
                timeout=max(0.0, self._deadline - loop.time()),
                return_when=asyncio.FIRST_COMPLETED)
            if waited.done() or before is None or before.looked_up.done():
                break
            if before.left.done():  # dropped meanwhile: the one before it, in the same time
                before = _live(before)
                continue
            if self._hurried.done():  # a later one brought its deadline forward
                self._hurried = loop.create_future()
                continue
            # not looked up in time: gone ahead of, but not the earlier ones that looked up
            self._overtook = True
            log.warning("an earlier event is not handled yet after %.0fs (the gateway is"
                        " slow to look it up): the next one goes ahead of it",
                        loop.time() - began)
            before = _live(before._before)
            if before is None:
                break
            waited = before.over
            before._hurry(self._deadline)  # (it goes ahead of the one it waits for as soon)
        if not waited.done() and before is not None:  # it looked up: it goes by its own
            # limit (the same, down the line: one looked up behind it runs no limit of its
            # own meanwhile), and the run of them is fed within another two from when its
            # first went (not two more for each: behind events the bot is slow with, the
            # k-th waited 2k)
            await asyncio.wait({before.going})
            self._run_began = before._run_began
            if self._run_began is None:  # (it ended without waiting: given up, dropped)
                self._run_began = loop.time()
            # (one coming late behind an event the bot is slow with gets its own time too)
            fed_by = max(self._run_began + 2 * at_most, began + at_most)
            await asyncio.wait({waited}, timeout=max(0.0, fed_by - loop.time()))
            if not waited.done():
                self._overtook = True
                log.warning("an earlier event is not handled yet after %.0fs (the bot is slow"
                            " to handle it): the next one goes ahead of it", loop.time() - began)
        if self._run_began is None:
            self._run_began = loop.time()
        self._go()

    def _hurry(self, deadline: float) -> None:
        """Go ahead of an earlier event not looked up by `deadline` at the latest (a later
        one goes ahead of the same hang then, and must not wait for this one's own time)."""
        if deadline < self._deadline:
            self._deadline = deadline
            if not self._hurried.done():
                self._hurried.set_result(None)

    def end(self) -> None:
        """This event is fed or given up: the next one goes once the earlier ones are over
        too (an event given up early must not let the next one overtake those before it).
        It may be called again: the first call counts."""
        self._go()
        if not self.looked_up.done():  # dropped before it waited: the next ones look past it
            self._dropped = True
            self._before = _live(self._before)  # (no chain of dropped ones is kept)
            if not self.left.done():  # (also the one already waiting for it)
                self.left.set_result(None)
        else:
            self._before = None
        if self._previous is None or self._previous.done() or self._overtook:
            self._over()
        else:
            self._previous.add_done_callback(lambda _: self._over())

    def _go(self) -> None:
        if not self.going.done():
            self.going.set_result(None)

    def _over(self) -> None:
        if not self.over.done():
            self.over.set_result(None)


def _live(turn: _Turn | None) -> _Turn | None:
    """`turn`, or for one dropped before its lookups were done (the bot's own message coming
    back, a repeated join), the nearest earlier one not dropped: a dropped event is no
    event to wait for."""
    while turn is not None and turn._dropped:
        turn = turn._before
    return turn


class _Line:
    """Events go to the bot in the order the gateway delivered them. pyee runs each callback
    as a task of its own, and a callback looks things up (the message, the sender's name)
    before it feeds the bot: without a line the bot would get events in the order their
    lookups finished (a newcomer's message before his join). Each callback takes its turn
    before its first await, looks up alongside the others, and feeds when its turn comes."""

    def __init__(self) -> None:
        self._last: _Turn | None = None

    def take(self) -> _Turn:
        turn = self._last = _Turn(self._last)
        return turn


# ---------------------------------------------------------------- the gateway


class WechatyGateway:
    """A Gateway on WeChat (or WeCom) through a wechaty puppet-service gateway.

    `run(bot)` connects, feeds events into the bot and reconnects until cancelled; the
    actions work while it is logged in and raise Disconnected otherwise.
    """

    reports_connection = True  # it tells the bot (Inbound.platform) when it logs in or out

    def __init__(self, token: str, endpoint: str, *, reconnect_initial: float = 1.0,
                 reconnect_max: float = 60.0) -> None:
        if not token:
            raise ValueError(f"{TOKEN_VAR} is empty")
        endpoint = check_endpoint(endpoint)
        if not token.startswith("insecure_"):
            log.warning("the token does not start with insecure_: the Python client has no TLS,"
                        " so the gateway must run with"
                        " WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_SERVER=true")

        def connection() -> Puppet:
            return _ServiceConnection(PuppetOptions(token=token, end_point=endpoint))

        self._setup(connection, f"the wechaty gateway at {endpoint}", streaming=True,
                    reconnect_initial=reconnect_initial, reconnect_max=reconnect_max)

    @classmethod
    def in_process(cls, puppet: Puppet, *, reconnect_initial: float = 1.0,
                   reconnect_max: float = 60.0) -> WechatyGateway:
        """A gateway on a puppet living in this process (tests): its start() returns at
        once and it pushes events until stopped."""
        gateway = cls.__new__(cls)
        gateway._setup(lambda: puppet, f"the puppet {puppet.name}", streaming=False,
                       reconnect_initial=reconnect_initial, reconnect_max=reconnect_max)
        return gateway

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> WechatyGateway | None:
        """The gateway the environment asks for; None without WECHATY_PUPPET_SERVICE_TOKEN."""
        token = environ.get(TOKEN_VAR, "").strip()
        if not token:
            return None
        endpoint = environ.get(ENDPOINT_VAR, "").strip()
        if not endpoint:
            raise ValueError(
                f"{TOKEN_VAR} is set but {ENDPOINT_VAR} is not: set it to host:port of the "
                "wechaty gateway (without it the client asks a public discovery service "
                "that cannot be reached from here)")
        return cls(token, endpoint)

    def _setup(self, make_puppet: Callable[[], Puppet], where: str, *, streaming: bool,
               reconnect_initial: float, reconnect_max: float) -> None:
        self._make_puppet = make_puppet
        self._where = where
        self._streaming = streaming
        self.reconnect_initial = reconnect_initial
        self.reconnect_max = reconnect_max
        self.action_timeout = ACTION_TIMEOUT
        self.online = asyncio.Event()  # set while logged in
        self._puppet: Puppet | None = None
        self._bot: Inbound | None = None
        self._self_id = ""
        self._was_online = False
        # deliveries seen (key -> until when, the payload): a duplicate is dropped
        self._seen: OrderedDict[tuple[Any, ...], tuple[float, Any]] = OrderedDict()
        self._known: dict[str, GroupInfo] = {}  # the groups the bot is in, as last listed
        self._looked: dict[str, GroupInfo] = {}  # the last look at every group ever seen
        self._names: dict[str, str] = {}  # WeChat names of contacts, as last loaded
        self._unanswered: dict[str, float] = {}  # contact -> when to look it up again
        self._callbacks: set[asyncio.Task[Any]] = set()
        self._looked_up: set[asyncio.Task[Any]] = set()  # events waiting only for their turn
        # events being looked up (_READ_AGAIN): those the connection's end cuts short are read
        # again after the next login (`_again`)
        self._reading: dict[asyncio.Task[Any], tuple[str, Any]] = {}
        self._again: list[tuple[str, Any]] = []
        self._soon: set[tuple[str, str]] = set()  # waiting in their turn to be read again
        self._reads: dict[tuple[str, str], int] = {}  # failed reads of each, till READS
        self.read_again_after = 1.0  # seconds while still online, doubling with each failure
        self._line = _Line()  # the events that feed the bot, in arrival order
        self._listed = False  # whether the groups were listed since the bot started
        self._listing: asyncio.Task[None] | None = None  # reading the list again (`groups`)
        self._list_got: list[str] | None = None  # the list it read: what `groups` binds next
        self._list_wait = 0.0  # seconds before it reads again (0: read_again_after)
        # group invitations being accepted, or accepted (or maybe): never accepted twice
        self._invitations: OrderedDict[str, None] = OrderedDict()

    @property
    def self_id(self) -> str:
        """The logged-in account's contact id ('' before the first login)."""
        return self._self_id

    # ------------------------------------------------------------ connection

    async def run(self, bot: Inbound) -> None:
        """Connect, feed every event into `bot`, reconnect with backoff; until cancelled."""
        self._bot = bot
        bot.set_contact_names(self._contact_name)
        delay = self.reconnect_initial
        try:
            while True:
                try:
                    await self._session()
                    log.warning("%s ended the event stream", self._where)
                except Exception as exc:
                    log.warning("the connection to %s failed: %s", self._where, _explain(exc))
                if self._was_online:
                    delay = self.reconnect_initial
                self._was_online = False
                log.info("reconnecting to %s in %.1fs", self._where, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.reconnect_max)
        finally:
            await self._end_callbacks()

    async def _end_callbacks(self) -> None:
        """The gateway stops: end the events still being handled or waiting to be tried
        again (also those a reconnect spared), before the bot closes its store; and give up
        those waiting to be read again."""
        unread = [*self._soon, *((name, _event_id(payload)) for name, payload in self._again)]
        self._soon, self._again = set(), []
        for name, event_id in unread:
            log.warning("gave up reading the %s event %s: the bot stopped", name, event_id)
        for task in self._callbacks:
            task.cancel()
        if self._callbacks:
            await asyncio.wait(set(self._callbacks), timeout=STOP_TIMEOUT)

    async def _session(self) -> None:
        """One connection: from a fresh puppet to the end of its event stream."""
        puppet = self._make_puppet()
        for name, callback in self._event_callbacks().items():
            puppet.on(name, self._guarded(name, callback))
        self._puppet = puppet
        stopping = False
        try:
            # The gRPC client's start() returns when the gateway ends the event stream.
            await puppet.start()
            if not self._streaming:
                await asyncio.Event().wait()
        except asyncio.CancelledError:
            stopping = True
            raise
        finally:
            await self._disconnect(puppet, stopping)

    async def _disconnect(self, puppet: Puppet, stopping: bool = False) -> None:
        """The connection is gone: its callbacks end, but for events already looked up and
        waiting for their turn, which are fed all the same (unless the gateway stops)."""
        self._puppet = None
        self.online.clear()
        if self._bot is not None:
            self._bot.platform(False)
        cut = {task for task in self._callbacks if stopping or task not in self._looked_up}
        for task in cut:
            task.cancel()
        if not stopping:  # read again after the login, in the order they came (r103-1:
            for task in [task for task in self._reading if task in cut]:  # not the set's)
                name, payload = read = self._reading.pop(task)
                self._soon.discard((name, _event_id(payload)))  # (read after the login)
                if self._failed_read(*read, "the connection ended while reading it"):
                    self._again.append(read)
        try:
            await puppet.stop()
        except Exception as exc:
            log.debug("closing the connection to %s: %s", self._where, _explain(exc))

    def _guarded(self, name: str, callback: Callable[..., Awaitable[None]]
                 ) -> Callable[..., Coroutine[Any, Any, None]]:
        """pyee runs callbacks as tasks nobody awaits: log what they raise, with the event."""

        async def run(*args: Any) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._callbacks.add(task)
            try:
                await callback(*args)
            except Exception:
                log.exception("the wechaty %s event failed: %s", name,
                              ", ".join(repr(a) for a in args))
            finally:
                if task is not None:
                    self._callbacks.discard(task)

        return run

    def _in_line(self, name: str) -> Callable[..., Awaitable[None]]:
        """The callback of an event that feeds the bot, with its turn (see _Line). What its
        lookups raise (GatewayError: the event's payload failed to load, or there is no
        connection left to ask a name) has the event read again (`_read_again`), not handled
        with what is missing made up."""
        callback = self._feeding()[name]

        async def run(payload: Any, turn: _Turn | None = None) -> None:
            if turn is None:
                turn = self._line.take()  # before any await: in the order the events came
            task = asyncio.current_task()
            if task is not None and name in _READ_AGAIN:
                self._reading[task] = (name, payload)
            try:
                while True:
                    try:
                        await callback(payload, turn)
                        self._reads.pop((name, _event_id(payload)), None)  # (fed, or not to be)
                        return
                    except GatewayError as exc:
                        if not await self._read_again(name, payload, exc):
                            return
            finally:
                if task is not None:
                    self._reading.pop(task, None)
                turn.end()  # also when the event is dropped, fails or is cancelled

        return run

    def _feeding(self) -> dict[str, Callable[[Any, _Turn], Awaitable[None]]]:
        return {"message": self._on_message, "room-join": self._on_room_join,
                "room-leave": self._on_room_leave, "room-topic": self._on_room_topic,
                "friendship": self._on_friendship}

    async def _read_again(self, name: str, payload: Any, exc: GatewayError) -> bool:
        """The event could not be read (its payload failed to load, or no connection was left
        to ask a name of it): read it again, unless the gateway refused it (NOT_FOUND...: its
        id is no good) or it failed READS times; each end is logged, naming the event and
        the failure. Any other failure may pass: the TypeScript gateway
        answers INTERNAL for whatever its provider throws (a PadLocal timeout, its lost
        connection to WeChat), and a lookup it did not answer in time (Unanswered) is read
        again too. Still online, it is read again in its turn after `read_again_after`
        seconds (doubling): True once it is time. The events after it wait for it as for a
        slow lookup (at most an action's time, `_Turn`), so that a member's 报名 then 取消
        are not handled the other way round (its group is not known before it is loaded: all
        of them wait). Offline, it is read again after the next login, after the events
        looked up meanwhile (a refusal then may be the connection's end)."""
        online = self.online.is_set()
        if online and isinstance(exc, Refused):
            log.warning("could not load the %s event %s, so it is skipped: %s", name,
                        _event_id(payload), exc)
            return False
        if not self._failed_read(name, payload, str(exc)):
            return False
        log.warning("could not load the %s event (%s): it is read again %s", name, exc,
                    "soon" if online else "after the next login")
        if not online:
            self._again.append((name, payload))
            return False
        key = name, _event_id(payload)
        self._soon.add(key)  # (a cancel leaves it: a stop gives it up, _end_callbacks)
        await asyncio.sleep(self.read_again_after * 2 ** (self._reads[key] - 1))
        self._soon.discard(key)
        return True

    def _failed_read(self, name: str, payload: Any, why: str) -> bool:
        """Count a failed read of the event; False once it failed READS times (given up)."""
        key = name, _event_id(payload)
        tries = self._reads[key] = self._reads.get(key, 0) + 1
        if tries < READS:
            return True
        del self._reads[key]
        log.warning("gave up reading the %s event %s after %d tries: %s", name, key[1], tries,
                    why)
        return False

    def _reread(self, name: str, payload: Any) -> None:
        """Read an event again, in line as a new arrival (a task, as pyee runs a callback).
        Its turn is taken now: the events the new stream delivered right behind the login
        have their tasks already (pyee made them before the login's callback ran), and would
        take theirs first (r97-4)."""
        turn = self._line.take()
        task = asyncio.create_task(self._guarded(name, self._in_line(name))(payload, turn))
        # in `_reading` now: a connection ending before it runs a step reads it again after
        # the next login (r103-2); and cancelled before it began, its turn ends and it goes
        # (its own `finally` never runs: r103-3)
        self._reading[task] = (name, payload)
        self._callbacks.add(task)

        def ended(_: asyncio.Task[None]) -> None:
            turn.end()
            self._callbacks.discard(task)
            self._reading.pop(task, None)

        task.add_done_callback(ended)

    def _event_callbacks(self) -> dict[str, Callable[..., Awaitable[None]]]:
        return {
            "login": self._on_login, "logout": self._on_logout, "ready": self._on_ready,
            "scan": self._on_scan, "error": self._on_error,
            **{name: self._in_line(name) for name in self._feeding()},
            "room-invite": self._on_room_invite,
        }

    # ------------------------------------------------------------ events in

    async def _on_login(self, payload: EventLoginPayload) -> None:
        """Every login, also a second one on the same connection after a logout; not one
        handled after its connection ended (the stream's last event): the bot is not online
        without a connection, and what waits to be read is read after the next login."""
        if self._puppet is None:
            log.info("a login came as the connection to %s ended: the next one counts",
                     self._where)
            return
        previous, self._self_id = self._self_id, payload.contact_id
        if previous and previous != payload.contact_id:
            log.error("WeChat logged in as %r, another account than before (%r): from now on the"
                      " bot acts as %r, also for what waited to be sent; if that is wrong, stop"
                      " groupbot and log the gateway in with %r", payload.contact_id, previous,
                      payload.contact_id, previous)
            self._listed = False  # the groups listed last were the other account's
        self._was_online = True
        self.online.set()
        self._running_bot().platform(True)
        again, self._again = self._again, []
        for name, cut_short in again:
            if previous and previous != payload.contact_id:  # the other account's
                log.warning("gave up reading the %s event %s: it came to %r", name,
                            _event_id(cut_short), previous)
                self._reads.pop((name, _event_id(cut_short)), None)
            else:
                self._reread(name, cut_short)
        try:
            name = await self._wechat_name(payload.contact_id)
        except Disconnected:  # (the connection ended already)
            name = self._contact_name(payload.contact_id)
        log.info("logged in to WeChat as %s (%s)", name, payload.contact_id)
        configured = self._running_bot().configured_id
        if configured is not None and configured != payload.contact_id:
            log.warning("bot.yaml says the bot is %r but WeChat logged in as %r; the login id "
                        "is used", configured, payload.contact_id)

    async def _on_logout(self, payload: EventLogoutPayload) -> None:
        self._logged_out()
        log.warning("logged out of WeChat (%s); scan the new QR code to log in again",
                    payload.contact_id or self._self_id)

    def _logged_out(self) -> None:
        """Actions raise Disconnected (the outbox keeps them) until the next login."""
        self.online.clear()
        self._running_bot().platform(False)

    async def _on_ready(self, payload: Any) -> None:
        await self._refresh_groups()  # the room list is complete now

    async def _on_scan(self, payload: EventScanPayload) -> None:
        status = ScanStatus(payload.status)
        old_code = status is ScanStatus.Timeout and self.online.is_set()  # the login stands
        if status not in (ScanStatus.Waiting, ScanStatus.Timeout) or not payload.qrcode \
                or old_code:
            log.info("login QR code: %s", status.name.lower())
            return
        if self.online.is_set():  # a new code: it lost the login without telling
            self._logged_out()
            log.warning("the gateway asks for a new login without having reported a logout:"
                        " logged out of WeChat (%s)", self._self_id)
        url = f"https://wechaty.js.org/qrcode/{quote(payload.qrcode, safe='')}"
        print(f"Scan the QR code with the bot's WeChat to log in: {url}", flush=True)
        log.info("waiting for the login QR code to be scanned: %s", url)

    async def _on_error(self, payload: EventErrorPayload) -> None:
        log.warning("the gateway reported an error: %s", payload.data or "(no details)")

    async def _on_message(self, payload: EventMessagePayload, turn: _Turn) -> None:
        # (bounded like every call: a load never answered is read again, or skipped)
        msg = await self._act("loading the message",
                              self._connected().message_payload(payload.message_id))
        if msg.from_id == self._current_self_id():
            return
        await self._feed(await self._message_event(msg), turn)

    async def _message_event(self, msg: Any) -> Message:
        try:
            kind = KINDS.get(MessageType(msg.type), Kind.OTHER)
        except ValueError:  # a type newer than the client knows
            kind = Kind.OTHER
        room = msg.room_id or None
        mention_ids = tuple(msg.mention_ids or ())
        # a quote-reply (引用) comes as a text: the quote, a rule, the reply (bot/events.py)
        text, quoted = (msg.text or "", None)
        if kind is Kind.TEXT:
            text, quoted = quote_reply(text)
        return Message(
            at=self._at(msg.timestamp), group=room,
            sender=Member(msg.from_id, await self._shown_name(room, msg.from_id)),
            text=text, kind=kind, quoted=quoted,
            mentions=mention_ids if room and kind is Kind.TEXT else (),
            mentions_bot=self._current_self_id() in mention_ids,
            url=await self._link_url(msg.id) if kind is Kind.LINK else None, id=msg.id)

    async def _on_room_join(self, payload: EventRoomJoinPayload, turn: _Turn) -> None:
        room, ids = payload.room_id, tuple(payload.invited_ids or ())
        if self._repeated("join", payload, room, ids):
            return
        if ("room-join", _event_id(payload)) in self._reads:  # read again, after a login
            ids = await self._still_in(room, ids)
        members = tuple(await self._named(room, ids))  # (not welcomed by his id: read again)
        if not members:
            return
        # (the bot's own join binds its groups again in the core: Bot.feed)
        await self._feed(MemberJoined(self._at(payload.timestamp), room, members,
                                      payload.inviter_id or None), turn)

    async def _still_in(self, room: str, ids: tuple[str, ...]) -> tuple[str, ...]:
        """Of the members a join read again names, those still in the group: one who left
        while no stream was open sent the bot no leave, and would be welcomed to a group he
        is not in (and kept in its roster till the backstop's next run)."""
        listed = await self._members_now(room, ids, "a join")
        if listed is None:
            return ids
        if gone := [member for member in ids if member not in listed]:
            log.info("a join read again: %s left %s again while no stream was open: not"
                     " handled for them", ", ".join(gone), room)
        return tuple(member for member in ids if member in listed)

    async def _gone(self, room: str, ids: tuple[str, ...]) -> tuple[str, ...]:
        """Of the members a leave read again names, those not back in the group: one who
        came back while no stream was open would be marked gone from a group he is in (and
        welcomed as a newcomer by the backstop's next run)."""
        listed = await self._members_now(room, ids, "a leave")
        if listed is None:
            return ids
        if back := [member for member in ids if member in listed]:
            log.info("a leave read again: %s came back to %s while no stream was open: not"
                     " handled for them", ", ".join(back), room)
        return tuple(member for member in ids if member not in listed)

    async def _members_now(self, room: str, ids: tuple[str, ...], what: str) -> set[str] | None:
        """The group's members read afresh, for `what` (a join or leave) read again; None
        when the member list cannot be read, or only as the gateway cached it (the event is
        handled as it came; the backstop's comparison settles it); Disconnected when there
        is no connection to ask."""
        try:
            if not await self._drop_cached(PayloadType.PAYLOAD_TYPE_ROOM, room):
                raise GatewayError("the gateway could not refresh its details of the group")
            return set(await self._member_ids(room, await self._room(room)))
        except Disconnected:
            raise
        except GatewayError as exc:
            log.info("%s read again: cannot tell whether %s are in %s (%s): handled as it"
                     " came", what, ", ".join(ids), room, exc)
            return None

    async def _on_room_leave(self, payload: EventRoomLeavePayload, turn: _Turn) -> None:
        room, ids = payload.room_id, tuple(payload.removed_ids or ())
        if self._repeated("leave", payload, room, ids):
            return
        if ("room-leave", _event_id(payload)) in self._reads and \
                self._current_self_id() not in ids:  # (the bot's own: its list is no news)
            ids = await self._gone(room, ids)
            if not ids:
                return
        members = tuple(await self._named(room, ids))
        # (the bot's own leave unbinds the group in the core: Bot.feed)
        await self._feed(MemberLeft(self._at(payload.timestamp), room, members,
                                    payload.remover_id or None), turn)

    async def _on_room_topic(self, payload: EventRoomTopicPayload, turn: _Turn) -> None:
        log.info("group %s renamed from %r to %r", payload.room_id, payload.old_topic,
                 payload.new_topic)
        await self._feed(GroupRenamed(self._at(payload.timestamp), payload.room_id,
                                      payload.new_topic, payload.changer_id or None), turn)

    async def _on_friendship(self, payload: EventFriendshipPayload, turn: _Turn) -> None:
        friendship = await self._act("loading the friend request",
                                     self._connected().friendship_payload(payload.friendship_id))
        if FriendshipType(friendship.type) != FriendshipType.FRIENDSHIP_TYPE_RECEIVE:
            return
        if self._duplicate(("friendship", payload.friendship_id), payload):
            return
        contact = friendship.contact_id
        name = await self._shown_name(None, contact)
        await self._feed(FriendRequest(self._now(), None, Member(contact, name),
                                       hello=friendship.hello or "",
                                       request=payload.friendship_id), turn)

    async def _refresh_groups(self) -> None:
        """The bot's groups changed: bind them again and rebuild their schedules, again when
        the gateway fails to list them (else a group just joined has no schedules until the
        next login)."""
        await self._until_done("bind the groups again", self._running_bot().refresh_groups)

    async def _on_room_invite(self, payload: EventRoomInvitePayload) -> None:
        """Ask the bot whether to accept (by its inviter: bot.yaml `group_invitations`); one
        it does not accept is left unanswered, and a delivery again is dropped. Accept once,
        trying again when the gateway fails (also across a reconnect: only
        the invitation's id is needed). An acceptance whose answer said nothing (lost, or
        INTERNAL...) is settled by the group list: a group the bot was not in before it is
        taken as the invitation's (the invitation does not name its group); none, and it is
        tried again, within the same tries. An invitation delivered again while it is
        accepted, or once it is, is dropped; delivered again after it was given up, it is
        tried again."""
        invitation = payload.room_invitation_id
        if invitation in self._invitations:
            log.info("dropped a duplicate room-invite event: %s", invitation)
            return
        self._invitations[invitation] = None
        while len(self._invitations) > INVITATIONS_KEPT:
            self._invitations.popitem(last=False)
        task = asyncio.current_task()
        if task is not None:
            self._looked_up.add(task)
        before: set[str] | None = None  # the groups before an acceptance that may be done

        async def accept() -> None:
            nonlocal before
            what = f"accepting the group invitation {invitation}"
            try:
                groups = await self._group_ids()
            except GatewayError:
                if before is not None:
                    raise  # one that may be done is not accepted again unchecked
                groups = set(self._known)  # as listed last (a settling may be fooled by it)
            if before is not None:
                if joined := groups - before:
                    log.info("accepted the group invitation %s: the bot is in %s now",
                             invitation, ", ".join(sorted(joined)))
                    return
                log.info("%s: the bot is in no new group, so it is accepted again", what)
            try:
                await self._act(what, self._online().room_invitation_accept(invitation),
                                sends=True)
            except Uncertain as exc:
                before = groups
                raise GatewayError(f"{exc} (it may have been done: the group list will say)"
                                   ) from exc
            log.info("accepted the group invitation %s", invitation)

        done = False
        try:
            if not await self._accepting(invitation):
                done = True  # the bot's answer: a delivery again is dropped
                return
            done = await self._until_done(f"accept the group invitation {invitation}", accept)
        finally:
            if not done:  # given up (or the bot stops): a new delivery is a new chance
                self._invitations.pop(invitation, None)
            if task is not None:
                self._looked_up.discard(task)

    async def _accepting(self, invitation: str) -> bool:
        """Whether the bot accepts the invitation, asked with its inviter and group name as
        the gateway gives them ('' for each when the gateway cannot say: the bot decides
        without them)."""
        found: Any = None

        async def look() -> None:
            nonlocal found
            found = await self._act(f"loading the group invitation {invitation}",
                                    self._connected().room_invitation_payload(invitation))

        await self._until_done(f"load the group invitation {invitation}", look)
        offer = GroupInvitation(invitation, str(getattr(found, "inviter_id", "") or ""),
                                str(getattr(found, "topic", "") or ""),
                                self._at(getattr(found, "timestamp", 0)))
        if await self._running_bot().group_invitation(offer):
            return True
        log.info("left the group invitation %s from %s unanswered: the bot does not accept it",
                 invitation, offer.inviter or "(not given)")
        return False

    async def _group_ids(self) -> set[str]:
        return set(await self._act("listing the groups", self._online().room_search()))

    async def _feed(self, event: Event, turn: _Turn) -> None:
        """Feed `event` once the events delivered before it are fed or given up (waiting at
        most an action's time for them)."""
        task = asyncio.current_task()
        if task is not None:
            self._looked_up.add(task)  # needs the connection no more: a reconnect spares it
            self._reading.pop(task, None)
        try:
            await turn.wait(self.action_timeout)
            log.debug("event from WeChat: %r", event)
            await self._feed_till_handled(event)
        except Exception:
            log.exception("the bot failed on %r", event)
        finally:
            if task is not None:
                self._looked_up.discard(task)
            turn.end()  # the next event need not wait for what this callback does after

    async def _feed_till_handled(self, event: Event) -> None:
        """Feed `event`, again when the bot undid it for a platform failure (a group it could
        not look up...): in its turn, the events after it wait."""
        await self._until_done(f"handle {event!r}", lambda: self._running_bot().feed(event))

    async def _until_done(self, what: str, attempt: Callable[[], Awaitable[None]]) -> bool:
        """Run `attempt`; when it fails for the platform, again after `read_again_after`
        seconds (doubling) and once logged in, up to READS tries. A refusal is final, and so
        is an Uncertain attempt (it may have been done). Ended meanwhile (the bot stops, or
        the connection ends), it is given up with a warning. True when it was done (or may
        have been), False when given up. Logged in again as another account, it is given up
        too: what came to one account is not the other's to handle."""
        failed: GatewayError | None = None
        account = self._self_id
        try:
            for tries in range(1, READS + 1):
                try:
                    await attempt()
                    return True
                except Refused as exc:
                    log.warning("could not %s: %s", what, exc)
                    return False
                except Uncertain as exc:
                    log.warning("did not try again to %s: it may have been done (%s)", what,
                                exc)
                    return True
                except GatewayError as exc:
                    if tries == READS:
                        log.warning("gave up trying to %s after %d tries: %s", what, tries, exc)
                        return False
                    log.info("could not %s now (%s): trying again", what, exc)
                    failed = exc
                await asyncio.sleep(self.read_again_after * 2 ** (tries - 1))
                await self.online.wait()
                if self._self_id != account:
                    log.warning("gave up trying to %s: WeChat logged in as another account"
                                " (%r, before %r) before it was tried again (%s)", what,
                                self._self_id, account, failed)
                    return False
        except asyncio.CancelledError:
            if failed is not None:
                log.warning("gave up trying to %s: the bot stopped, or its connection to the"
                            " gateway ended, before it was tried again (%s)", what, failed)
            raise
        return False  # (not reached: the last try returns)

    def _repeated(self, kind: str, payload: Any, room: str, ids: tuple[str, ...]) -> bool:
        """A join or leave the gateway already delivered: the same members at the same time.
        Without a timestamp (0) two events cannot be told apart from one sent twice, and a
        member who joins, leaves and joins again must not lose the second join: none is
        dropped."""
        timestamp = payload.timestamp
        return bool(timestamp) and self._duplicate((kind, room, tuple(sorted(ids)), timestamp),
                                                   payload)

    def _duplicate(self, key: tuple[Any, ...], payload: Any) -> bool:
        """Whether another delivery of the event (`key`) came within DEDUPE_SECONDS; the same
        one (`payload`) read again is none."""
        now = time.monotonic()
        while self._seen and next(iter(self._seen.values()))[0] < now:
            self._seen.popitem(last=False)
        if key in self._seen:
            if self._seen[key][1] is payload:
                return False
            log.info("dropped a duplicate %s event", key[0])
            return True
        self._seen[key] = now + DEDUPE_SECONDS, payload
        return False

    # ------------------------------------------------------------ lookups

    def _running_bot(self) -> Inbound:
        if self._bot is None:
            raise RuntimeError("WechatyGateway.run(bot) has not been called")
        return self._bot

    def _connected(self) -> Puppet:
        if self._puppet is None:
            raise Disconnected(f"not connected to {self._where}")
        return self._puppet

    def _online(self) -> Puppet:
        puppet = self._connected()
        if not self.online.is_set():
            raise Disconnected(f"not logged in to WeChat through {self._where}")
        return puppet

    def _current_self_id(self) -> str:
        if self._puppet is not None:
            try:
                return str(self._puppet.self_id())
            except Exception:  # the gRPC client raises before its login event
                pass
        return self._self_id

    def _now(self) -> datetime:
        return self._running_bot().clock.now()

    def _at(self, timestamp: float | None) -> datetime:
        """An event's time: the platform's, in seconds or milliseconds, else now."""
        if not timestamp:
            return self._now()
        seconds = timestamp / 1000 if timestamp > 2145888000 else timestamp
        return datetime.fromtimestamp(seconds, self._running_bot().clock.tz)

    async def _shown_name(self, room: str | None, contact: str) -> str:
        """The name shown in the group: the member's group alias, else their WeChat name,
        else (the lookups failed) their id. Disconnected when there is no connection to ask
        (it ended): the event is read again, not handled with a made-up name; a lookup that
        fails on a live connection (UNAVAILABLE from a proxy included) is only one lookup."""
        if room is not None:
            puppet = self._connected()
            try:
                member = await self._act(f"looking up {contact} in {room}",
                                         puppet.room_member_payload(room, contact))
            except Exception as exc:
                log.debug("no member payload for %s in %s: %s", contact, room, _explain(exc))
            else:
                if member.name:
                    self._names[contact] = str(member.name)
                if member.room_alias or member.name:
                    return str(member.room_alias or member.name)
        return await self._wechat_name(contact)

    async def _wechat_name(self, contact: str) -> str:
        """The contact's WeChat name (what an @mention shows); the last one known, or the id,
        when the lookup fails. A lookup left unanswered is not made again for UNANSWERED_NAME
        seconds: each would hold the bot (which sends inside its turn) an action's time.
        Disconnected when there is no connection to ask (`_shown_name`)."""
        if self._unanswered.get(contact, 0.0) > time.monotonic():
            return self._names.get(contact, contact)
        puppet = self._connected()
        try:
            payload = await self._act(f"looking up {contact}", puppet.contact_payload(contact))
        except Exception as exc:
            log.debug("no contact payload for %s: %s", contact, _explain(exc))
            if isinstance(exc, Unanswered):
                self._unanswered[contact] = time.monotonic() + UNANSWERED_NAME
        else:
            if payload.name:
                self._names[contact] = str(payload.name)
        return self._names.get(contact, contact)

    async def _link_url(self, message_id: str) -> str | None:
        try:
            link = await self._act(f"looking up the link of {message_id}",
                                   self._connected().message_url(message_id))
        except Exception as exc:
            log.debug("no link payload for message %s: %s", message_id, _explain(exc))
            return None
        return str(link.url) or None

    def _contact_name(self, contact_id: str) -> str:
        """The contact's name if this gateway has loaded it, else the id."""
        return self._names.get(contact_id, contact_id)

    async def _act(self, what: str, call: Awaitable[T], *, sends: bool = False) -> T:
        """Carry out one puppet call; every failure comes out in a class of base.py."""
        try:
            async with asyncio.timeout(self.action_timeout):  # wait_for can lose a cancel
                return await call
        except GatewayError:
            raise
        except TimeoutError:
            cls = Uncertain if sends else Unanswered
            raise cls(f"{what}: {self._where} did not answer within "
                      f"{self.action_timeout:g}s") from None
        except Exception as exc:
            raise _classify(what, exc, sends=sends) from exc

    async def _room(self, group: str) -> Any:
        return await self._act(f"looking up {group}", self._online().room_payload(group))

    async def _room_now(self, group: str) -> Any:
        """The group's details as the provider has them now (see _drop_cached)."""
        await self._drop_cached(PayloadType.PAYLOAD_TYPE_ROOM, group)
        return await self._room(group)

    async def _drop_cached(self, kind: PayloadType, subject: str) -> bool:
        """Have the gateway drop its cached details of `subject` (DirtyPayload), so that the
        next lookup reads the provider's: whether an action is done already (a rename, a
        removal, an invitation or an acceptance done again after its answer was lost) must
        not be read from a cache that has not seen a member's rename, a newcomer or a friend
        who removed the bot yet, or a first attempt is found done. A gateway that cannot drop
        them is read as it is (False)."""
        try:
            await self._act(f"refreshing the details of {subject}",
                            self._online().dirty_payload(kind, subject))
        except Disconnected:
            raise
        except GatewayError as exc:
            log.debug("%s; read as the gateway has them", exc)
            return False
        return True

    # ------------------------------------------------------------ the Gateway protocol

    async def send_text(self, group: str, text: str, mentions: tuple[str, ...] = ()) -> None:
        """One text, with WeChat's own @mentions in front; done once the gateway accepts it
        (no fetch of the sent message, whose failure would look like a failed send). Each
        @name is the WeChat name as a template shows a member's (bot/sanitize.py
        `member_name`): one line without bidi or invisible characters, at most 40
        characters, and 这位成员 for a name that carries a link or a contact detail, so
        that a name cannot forge a line of the bot's post nor have the bot post its ad (the
        mention still reaches the member)."""
        self._online()  # while logged out, Disconnected before any lookup
        if mentions:
            names = await asyncio.gather(*(self._wechat_name(m) for m in mentions))
            text = AT_SEPARATOR.join(f"@{member_name(name)}" for name in names) + " " + text
        # the connection as it is after the lookups (a reconnect may have come meanwhile)
        await self._act(f"saying in {group}",
                        self._online().message_send_text(group, text, list(mentions) or None),
                        sends=True)

    async def send_dm(self, contact: str, text: str) -> None:
        await self._act(f"messaging {contact}", self._online().message_send_text(contact, text),
                        sends=True)

    async def send_file(self, group: str, file: Attachment) -> None:
        await self._send_file(group, file)

    async def send_dm_file(self, contact: str, file: Attachment) -> None:
        await self._send_file(contact, file)

    async def _send_file(self, conversation: str, file: Attachment) -> None:
        """An image or file as a FileBox (base64 JSON in the puppet-service's MessageSendFile;
        WeChat shows an image as a picture); done once the gateway accepts it."""
        self._online()  # while logged out, Disconnected before reading the file
        try:
            box = await asyncio.to_thread(FileBox.from_file, str(file.path), file.filename)
        except OSError as exc:
            raise Refused(f"cannot read {file.name}: {exc}") from None
        await self._act(f"sending {file.name} to {conversation}",
                        self._online().message_send_file(conversation, box), sends=True)

    async def remove_member(self, group: str, member: str, reason: str = "") -> None:
        room = await self._room_now(group)
        if room.owner_id != self._current_self_id():
            raise Refused(f"the bot is not the owner of {room.topic} ({group})")
        if member not in room.member_ids and member not in await self._member_ids(group, room):
            log.info("%s already left %s; nothing to remove", member, group)
            return
        await self._act(f"removing {member} from {group}",
                        self._online().room_delete(group, member), sends=True)
        log.info("removed %s from %s: %s", member, room.topic, reason)

    async def invite_member(self, group: str, member: str) -> None:
        room = await self._room_now(group)
        if member in room.member_ids and member in await self._member_ids(group, room):
            log.info("%s is already in %s; nothing to invite", member, group)
            return
        await self._act(f"inviting {member} to {group}", self._online().room_add(group, member),
                        sends=True)

    async def send_card(self, chat: str, contact: str) -> None:
        await self._act(f"sending the card of {contact} to {chat}",
                        self._online().message_send_contact(contact_id=contact,
                                                            conversation_id=chat),
                        sends=True)

    async def group_qr(self, group: str) -> str:
        code = str(await self._act(f"getting the QR code of {group}",
                                   self._online().room_qr_code(group)))
        if not code:
            raise Refused(f"the gateway gave no QR code for {group}")
        return code

    async def send_qr(self, chat: str, code: str) -> None:
        """The QR code as a FileBox of its text (boxType QRCode): the gateway draws the image."""
        await self._act(f"sending a QR code to {chat}",
                        self._online().message_send_file(chat, FileBox.from_qr_code(code)),
                        sends=True)

    async def friend_list(self) -> list[str]:
        """The contacts whose payload says `friend` (the contact list also holds strangers
        met in groups); one the gateway no longer knows (refused: gone since the list) is
        left out. Disconnected when the connection ends meanwhile; PartlyRead when some
        contacts' details fail to load otherwise (a timeout, INTERNAL for a PadLocal fault):
        left out, they would be taken for strangers by the other accounts, which invite by
        the list (a QR code instead of an invitation, left out of a move)."""
        ids = await self._act("listing the contacts", self._online().contact_list())
        limit = asyncio.Semaphore(NAME_LOOKUPS)
        unread: dict[str, GatewayError] = {}

        async def friend(contact: str) -> str | None:
            async with limit:
                try:
                    payload = await self._act(f"looking up {contact}",
                                              self._online().contact_payload(contact))
                except Refused as exc:
                    log.debug("no contact payload for %s: %s", contact, exc)
                    return None
                except Disconnected:
                    raise
                except GatewayError as exc:
                    unread[contact] = exc
                    return None
                return contact if payload.friend else None

        friends = [c for c in await asyncio.gather(*(friend(i) for i in ids)) if c]
        if unread:
            raise PartlyRead(friends, list(unread), str(next(iter(unread.values()))))
        return friends

    async def accept_friend(self, request: str) -> None:
        """Accept, unless the contact is a friend already (an acceptance done again after its
        answer was lost). When the request cannot be looked up, it is accepted all the same."""
        try:
            friendship = await self._act(f"looking up the friend request {request}",
                                         self._online().friendship_payload(request))
            await self._drop_cached(PayloadType.PAYLOAD_TYPE_CONTACT, friendship.contact_id)
            if await self.is_friend(friendship.contact_id):
                log.info("%s is a friend already; nothing to accept", friendship.contact_id)
                return
        except Disconnected:
            raise
        except GatewayError as exc:
            log.debug("cannot tell whether %s is accepted already: %s", request, exc)
        await self._act(f"accepting the friend request {request}",
                        self._online().friendship_accept(request), sends=True)

    async def set_topic(self, group: str, topic: str) -> None:
        """Rename the group, unless it has that name already (a rename done again after its
        answer was lost: WeChat would tell the group twice)."""
        if (await self._room_now(group)).topic == topic:
            log.info("%s is called %r already; nothing to rename", group, topic)
            return
        await self._act(f"renaming {group}", self._online().room_topic(group, topic),
                        sends=True)

    async def is_friend(self, contact: str) -> bool:
        payload = await self._act(f"looking up {contact}",
                                  self._online().contact_payload(contact))
        return bool(payload.friend)

    async def members(self, group: str) -> list[Member]:
        return await self._named(group, await self._member_ids(group, await self._room(group)))

    async def _member_ids(self, group: str, room: Any) -> list[str]:
        """The member ids, when RoomMemberList and the group's details (`room`) agree: a
        gateway still loading a group gives a partial list, and a member missing from it
        would be taken for gone (a leave recorded, a removal found done). Else GatewayError:
        try later."""
        ids = await self._act(f"listing the members of {group}",
                              self._online().room_members(group))
        if set(ids) != set(room.member_ids):
            raise GatewayError(f"RoomMemberList gives {len(ids)} members of {group}, RoomPayload"
                               f" {len(room.member_ids)}: the gateway may still be loading the"
                               " group")
        return list(ids)

    async def _named(self, room: str, ids: Iterable[str]) -> list[Member]:
        """The members with the names shown in the group, NAME_LOOKUPS looked up at once."""
        limit = asyncio.Semaphore(NAME_LOOKUPS)

        async def member(member_id: str) -> Member:
            async with limit:
                return Member(member_id, await self._shown_name(room, member_id))

        return list(await asyncio.gather(*(member(i) for i in ids)))

    async def group_info(self, group: str) -> GroupInfo:
        """The group as it is now; as it was last seen while reconnecting, when WeChat no
        longer knows it (the bot was removed: its leave is still handled), or when the gateway
        fails to load it."""
        if not self.online.is_set() and group in self._known:
            return self._known[group]
        try:
            found = _group_info(await self._room(group))
        except Disconnected:
            raise
        except GatewayError as exc:
            if group not in self._looked:
                raise
            if isinstance(exc, Refused):  # the bot was removed, the group dissolved
                log.info("%s; using its last known details", exc)
            else:
                log.warning("%s; using its last known details", exc)
            return self._looked[group]
        self._looked[group] = found
        if group in self._known:
            self._known[group] = found
        return found

    async def groups(self) -> list[GroupInfo]:
        """The groups the bot is in: none before the first login, the last ones seen while
        reconnecting; one the gateway fails to describe now, as last seen; the ones listed
        last while the gateway fails to list them (listed again until it does)."""
        if not self.online.is_set():
            if not self._self_id:
                log.info("not logged in yet: groups are bound once WeChat is logged in")
            return list(self._known.values())
        got, self._list_got = self._list_got, None  # the list `_relist` read, if it did
        try:
            ids = got if got is not None else await self._act(
                "listing the groups", self._online().room_search())
        except Disconnected:
            raise
        except GatewayError as exc:
            if not self._listed:  # nothing to go on: the bot looks again later (bot/app.py)
                raise
            log.warning("could not list the groups (%s): the %d groups listed last are used"
                        " until the list comes (it is read again)", exc, len(self._known))
            self._list_again()
            return list(self._known.values())
        if got is None:
            self._list_wait = 0.0  # listed at once: a failure starts waiting afresh
        found = []
        for group in ids:
            try:
                found.append(_group_info(await self._room(group)))
            except Refused as exc:
                log.warning("skipped a group the gateway lists but cannot describe: %s", exc)
            except Disconnected:
                raise
            except GatewayError as exc:  # one group the gateway fails on must not stop all
                if group not in self._looked:
                    log.warning("skipped a group the gateway cannot describe now: %s", exc)
                    continue
                log.warning("%s; using its last known details", exc)
                found.append(self._looked[group])
        self._known = {info.id: info for info in found}
        self._looked.update(self._known)
        self._listed = True
        return found

    def _list_again(self) -> None:
        """The groups could not be listed: read the list again until it comes (once at a
        time), then bind the groups again. A new connection ends it: the login looks anyway."""
        if self._listing is None or self._listing.done():
            self._listing = asyncio.create_task(
                self._guarded("group-list", self._relist)())
            self._callbacks.add(self._listing)

    async def _relist(self) -> None:
        """Read the list after `read_again_after` seconds, doubling up to LIST_AGAIN_MAX (also
        from one reading to the next: a gateway that refuses every other list is not asked
        again each second), until it comes; then bind the groups with the list it got."""
        while True:
            wait = self._list_wait or self.read_again_after
            self._list_wait = min(wait * 2, LIST_AGAIN_MAX)
            await asyncio.sleep(wait)
            try:
                ids = await self._act("listing the groups", self._online().room_search())
            except Disconnected:
                return  # the next login looks at the groups anyway
            except GatewayError as exc:
                log.warning("could not list the groups again (%s): again in %gs", exc,
                            self._list_wait)
                continue
            log.info("the groups can be listed again: binding them")
            self._list_got = ids
            try:
                await self._refresh_groups()
            finally:
                self._list_got = None  # (not bound with it: the next binding lists again)
            return


def _group_info(room: Any) -> GroupInfo:
    return GroupInfo(room.id, room.topic, room.owner_id or None, len(room.member_ids))
