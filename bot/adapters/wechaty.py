"""WeChat through python-wechaty: a Gateway over a wechaty puppet-service connection.

The only module of the project that imports wechaty. It turns the library's events into
core events fed into `Bot.feed`, carries out the Gateway actions with the library's Room and
Contact objects, and owns the connection: a fresh Wechaty and puppet for every attempt,
reconnecting with exponential backoff. Operator guide: docs/wechat.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

# python-wechaty writes .wechaty/ (caches, a job database) into the working directory
# unless CACHE_DIR says otherwise, and reads it at import time.
os.environ.setdefault("CACHE_DIR", str(Path(tempfile.gettempdir()) / "groupbot-wechaty"))

import wechaty_puppet.schemas.puppet as _puppet_schema

# Python 3.11 dataclasses refuse WechatyOptions' default PuppetOptions() unless it is hashable.
_puppet_schema.PuppetOptions.__hash__ = object.__hash__
_LOGGERS_BEFORE = set(logging.root.manager.loggerDict)

from apscheduler.schedulers.asyncio import AsyncIOScheduler  # noqa: E402
from grpclib.client import Channel  # noqa: E402
from grpclib.const import Status  # noqa: E402
from grpclib.exceptions import GRPCError, StreamTerminatedError  # noqa: E402
from wechaty import Contact, Friendship, Room, Wechaty, WechatyOptions  # noqa: E402
from wechaty import Message as WechatyMessage  # noqa: E402
from wechaty.user.room_invitation import RoomInvitation  # noqa: E402
from wechaty.user.tag import Tag  # noqa: E402
from wechaty.utils.async_helper import SingleIdContainer  # noqa: E402
from wechaty_grpc.wechaty import PuppetStub  # noqa: E402
from wechaty_puppet import (  # noqa: E402
    EventErrorPayload,
    EventType,
    FriendshipType,
    MessageType,
    Puppet,
    PuppetOptions,
    ScanStatus,
)
from wechaty_puppet_service import PuppetService  # noqa: E402
from wechaty_puppet_service.utils import extract_host_and_port  # noqa: E402

from bot.adapters.base import GatewayError, GroupInfo, NotAllowed  # noqa: E402
from bot.events import (  # noqa: E402
    Event,
    FriendRequest,
    GroupRenamed,
    Kind,
    Member,
    MemberJoined,
    MemberLeft,
    Message,
)

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)

T = TypeVar("T")

TOKEN_VAR = "WECHATY_PUPPET_SERVICE_TOKEN"
ENDPOINT_VAR = "WECHATY_PUPPET_SERVICE_ENDPOINT"

ACTION_TIMEOUT = 30.0  # seconds the gateway gets to carry out one action
STOP_TIMEOUT = 5.0  # seconds to say goodbye to the gateway before closing the channel
DEDUPE_SECONDS = 60.0  # a join/leave/friend request seen again within this is a duplicate
NAME_LOOKUPS = 16  # member-name lookups in flight at once

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


def _library_logs_through_ours(names: Collection[str]) -> None:
    """python-wechaty's loggers print INFO on every message to their own stderr handler and
    do not propagate; route them through the application's logging at WARNING instead."""
    for name in names:
        logger = logging.getLogger(name)
        if logger.propagate:
            continue
        logger.handlers.clear()
        logger.propagate = True
        if "WECHATY_LOG" not in os.environ:
            logger.setLevel(logging.WARNING)
    # PuppetService logs the token at WARNING whenever both a token and an endpoint are set;
    # the plugin manager warns at every login that it starts no web service (we want none).
    logging.getLogger("PuppetService").setLevel(logging.ERROR)
    logging.getLogger("wechaty.plugin").setLevel(logging.ERROR)


_library_logs_through_ours(set(logging.root.manager.loggerDict) - _LOGGERS_BEFORE)


def check_endpoint(endpoint: str) -> str:
    """`host:port` of the puppet-service gateway, or ValueError saying what is wrong."""
    host, sep, port = endpoint.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{ENDPOINT_VAR} must be host:port of the wechaty gateway "
                         f"(e.g. 127.0.0.1:8788), not {endpoint!r}")
    return endpoint.strip()


# ---------------------------------------------------------------- the puppet-service client

_EVENTS_WITH_DATA = frozenset({EventType.EVENT_TYPE_ERROR, EventType.EVENT_TYPE_READY,
                               EventType.EVENT_TYPE_HEARTBEAT, EventType.EVENT_TYPE_LOGOUT,
                               EventType.EVENT_TYPE_RESET})


def _add_missing_data(response: Any) -> None:
    """Gateways send error events as {"gerror": ...} or {}; the library requires `data`."""
    if response.type not in _EVENTS_WITH_DATA:
        return
    try:
        payload = json.loads(response.payload or "{}")
    except ValueError:
        payload = {"data": response.payload}
    if not isinstance(payload, dict):
        payload = {"data": str(payload)}
    if not payload.get("data"):
        payload["data"] = str(payload.pop("gerror", "") or "")
    payload.pop("gerror", None)
    response.payload = json.dumps(payload)


class _ServiceConnection(PuppetService):
    """The library's gRPC puppet client with the faults that stop a bot worked around."""

    def _init_puppet(self) -> None:
        # The library pings the endpoint with a blocking telnet (stalling the event loop up
        # to 3 s) and, without an endpoint, asks api.chatie.io. The endpoint is always set
        # here, and an unreachable gateway fails the first call instead.
        host, port = extract_host_and_port(self.options.end_point)
        self.channel = Channel(host=host, port=port)
        self.channel._authority = self.options.token  # how the gateway receives the token
        self._puppet_stub = PuppetStub(self.channel)

    async def _listen_for_event(self) -> None:
        # The library decodes every event inside its one loop over the gRPC stream: an event
        # it cannot decode (an error event without `data`...) raises there, ends the stream
        # and stops the bot without a word. Run its decoder on one event at a time instead.
        stub = self.puppet_stub
        async for response in stub.event():
            _add_missing_data(response)
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


def _clear_library_caches() -> None:
    """python-wechaty keeps contacts, rooms and seen message ids in class-level caches that
    every bot in the process shares."""
    Contact._pool.clear()
    Room._pool.clear()
    Tag._pool.clear()
    SingleIdContainer._instance = None


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


async def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


def _describe(args: tuple[Any, ...]) -> str:
    parts = []
    for arg in args:
        try:
            parts.append(str(arg))
        except Exception:  # the library's __str__ fails on objects whose payload is not loaded
            parts.append(type(arg).__name__)
    return ", ".join(parts)


# ---------------------------------------------------------------- the gateway


class WechatyGateway:
    """A Gateway on WeChat (or WeCom) through a wechaty puppet-service gateway.

    `run(bot)` connects, feeds events into the bot and reconnects until cancelled; the
    actions work while it is logged in and raise GatewayError otherwise.
    """

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
        self._wechaty: Wechaty | None = None
        self._bot: Bot | None = None
        self._self_id = ""
        self._was_online = False
        self._seen: OrderedDict[tuple[Any, ...], float] = OrderedDict()
        self._known: dict[str, GroupInfo] = {}  # the last look at each group
        self._callbacks: set[asyncio.Task[Any]] = set()

    @property
    def self_id(self) -> str:
        """The logged-in account's contact id ('' before the first login)."""
        return self._self_id

    # ------------------------------------------------------------ connection

    async def run(self, bot: Bot) -> None:
        """Connect, feed every event into `bot`, reconnect with backoff; until cancelled."""
        self._bot = bot
        bot.set_contact_names(self._contact_name)
        delay = self.reconnect_initial
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

    async def _session(self) -> None:
        """One connection: from a fresh Wechaty to the end of its event stream."""
        wechaty = await self._connect()
        try:
            await wechaty.init_puppet_event_bridge(wechaty.puppet)
            # Wechaty.start() would swallow every error and never reconnect: start the puppet
            # ourselves. The gRPC client returns when the gateway ends the event stream.
            await wechaty.puppet.start()
            if not self._streaming:
                await asyncio.Event().wait()
        finally:
            await self._disconnect(wechaty)

    async def _connect(self) -> Wechaty:
        _clear_library_caches()
        wechaty = Wechaty(WechatyOptions(
            puppet=self._make_puppet(), puppet_options=PuppetOptions(), port=0,
            scheduler=AsyncIOScheduler()))  # never started; the default opens a job database
        await wechaty.init_puppet()
        for accessory in (wechaty.Contact, wechaty.ContactSelf, wechaty.Room, wechaty.Tag):
            accessory._pool = {}  # this bot's own cache, not the class-level shared one
        # No wechaty plugins here. At login the plugin manager starts a scheduler and probes
        # a web port, and its scan dispatch asserts that the status is a str (it is a
        # ScanStatus), logging "internal error" at every QR code.
        wechaty._plugin_manager.start = wechaty._plugin_manager.emit_events = _nothing
        for name, callback in self._event_callbacks().items():
            wechaty.on(name, self._guarded(name, callback))
        self._wechaty = wechaty
        return wechaty

    async def _disconnect(self, wechaty: Wechaty) -> None:
        self._wechaty = None
        self.online.clear()
        for task in list(self._callbacks):
            task.cancel()
        try:
            await wechaty.puppet.stop()
        except Exception as exc:
            log.debug("closing the connection to %s: %s", self._where, _explain(exc))

    def _guarded(self, name: str, callback: Callable[..., Awaitable[None]]
                 ) -> Callable[..., Awaitable[None]]:
        """pyee runs callbacks as tasks nobody awaits: log what they raise, with the event."""

        async def run(*args: Any) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._callbacks.add(task)
            try:
                await callback(*args)
            except Exception:
                log.exception("the wechaty %s event failed: %s", name, _describe(args))
            finally:
                if task is not None:
                    self._callbacks.discard(task)

        return run

    def _event_callbacks(self) -> dict[str, Callable[..., Awaitable[None]]]:
        return {
            "login": self._on_login, "logout": self._on_logout, "ready": self._on_ready,
            "scan": self._on_scan, "error": self._on_error, "message": self._on_message,
            "room-join": self._on_room_join, "room-leave": self._on_room_leave,
            "room-topic": self._on_room_topic, "friendship": self._on_friendship,
            "room-invite": self._on_room_invite,
        }

    # ------------------------------------------------------------ events in

    async def _on_login(self, contact: Contact) -> None:
        self._self_id = contact.contact_id
        self._was_online = True
        self.online.set()
        log.info("logged in to WeChat as %s (%s)", contact.name, contact.contact_id)
        bot = self._running_bot()
        configured = bot.deployment.settings.bot.id
        if configured != contact.contact_id:
            log.warning("bot.yaml says the bot is %r but WeChat logged in as %r; the login id "
                        "is used", configured, contact.contact_id)
        await bot.refresh_groups()

    async def _on_logout(self, contact: Contact) -> None:
        self.online.clear()
        log.warning("logged out of WeChat (%s); scan the new QR code to log in again",
                    contact.contact_id)

    async def _on_ready(self, payload: Any) -> None:
        await self._running_bot().refresh_groups()  # the room list is complete now

    async def _on_scan(self, qrcode: str, status: ScanStatus, data: str | None = None) -> None:
        if status not in (ScanStatus.Waiting, ScanStatus.Timeout):
            log.info("login QR code: %s", status.name.lower())
            return
        url = f"https://wechaty.js.org/qrcode/{quote(qrcode, safe='')}"
        print(f"Scan the QR code with the bot's WeChat to log in: {url}", flush=True)
        log.info("waiting for the login QR code to be scanned: %s", url)

    async def _on_error(self, payload: EventErrorPayload) -> None:
        log.warning("the gateway reported an error: %s", payload.data or "(no details)")

    async def _on_message(self, msg: WechatyMessage) -> None:
        if msg.talker().contact_id == self._current_self_id():
            return
        await self._feed(await self._message_event(msg))

    async def _message_event(self, msg: WechatyMessage) -> Message:
        kind = KINDS.get(MessageType(msg.type()), Kind.OTHER)
        room, talker = msg.room(), msg.talker()
        mentions = tuple(msg.payload.mention_ids or ()) if room and kind is Kind.TEXT else ()
        return Message(
            at=self._at(msg.payload.timestamp), group=room.room_id if room else None,
            sender=Member(talker.contact_id, await self._shown_name(room, talker)),
            text=msg.text(), kind=kind, mentions=mentions,
            mentions_bot=await msg.mention_self(),
            url=await self._link_url(msg) if kind is Kind.LINK else None,
            id=msg.message_id)

    async def _on_room_join(self, room: Room, invitees: list[Contact], inviter: Contact,
                            date: datetime) -> None:
        ids = tuple(sorted(c.contact_id for c in invitees))
        if self._duplicate(("join", room.room_id, ids, date)):
            return
        members = tuple([Member(c.contact_id, await self._shown_name(room, c))
                         for c in invitees])
        await self._feed(MemberJoined(self._when(date), room.room_id, members,
                                      inviter.contact_id or None))
        if self._current_self_id() in ids:
            await self._running_bot().refresh_groups()

    async def _on_room_leave(self, room: Room, leavers: list[Contact], remover: Contact,
                             date: datetime) -> None:
        ids = tuple(sorted(c.contact_id for c in leavers))
        if self._duplicate(("leave", room.room_id, ids, date)):
            return
        members = tuple([Member(c.contact_id, await self._shown_name(room, c))
                         for c in leavers])
        await self._feed(MemberLeft(self._when(date), room.room_id, members,
                                    remover.contact_id or None))
        if self._current_self_id() in ids:
            await self._running_bot().refresh_groups()

    async def _on_room_topic(self, room: Room, new_topic: str, old_topic: str,
                             changer: Contact, date: datetime) -> None:
        await self._reload(room)
        log.info("group %s renamed from %r to %r", room.room_id, old_topic, new_topic)
        await self._feed(GroupRenamed(self._when(date), room.room_id, new_topic))
        await self._running_bot().refresh_groups()

    async def _on_friendship(self, friendship: Friendship) -> None:
        if friendship.type() != FriendshipType.FRIENDSHIP_TYPE_RECEIVE:
            return
        if self._duplicate(("friendship", friendship.friendship_id)):
            return
        contact = friendship.contact()
        await self._feed(FriendRequest(
            self._now(), None, Member(contact.contact_id, await self._shown_name(None, contact)),
            hello=friendship.hello(), request=friendship.friendship_id))

    async def _on_room_invite(self, invitation: RoomInvitation) -> None:
        # RoomInvitation.accept() fails ("puppet not set"): the library builds invitations
        # from the unbound base class. Ask the puppet directly.
        await self._connected().puppet.room_invitation_accept(invitation.invitation_id)
        log.info("accepted the group invitation %s", invitation.invitation_id)

    async def _feed(self, event: Event) -> None:
        log.debug("event from WeChat: %r", event)
        try:
            await self._running_bot().feed(event)
        except Exception:
            log.exception("the bot failed on %r", event)

    def _duplicate(self, key: tuple[Any, ...]) -> bool:
        now = time.monotonic()
        while self._seen and next(iter(self._seen.values())) < now:
            self._seen.popitem(last=False)
        if key in self._seen:
            log.info("dropped a duplicate %s event", key[0])
            return True
        self._seen[key] = now + DEDUPE_SECONDS
        return False

    # ------------------------------------------------------------ lookups

    def _running_bot(self) -> Bot:
        if self._bot is None:
            raise RuntimeError("WechatyGateway.run(bot) has not been called")
        return self._bot

    def _connected(self) -> Wechaty:
        if self._wechaty is None:
            raise GatewayError(f"not connected to {self._where}")
        return self._wechaty

    def _online(self) -> Wechaty:
        wechaty = self._connected()
        if not self.online.is_set():
            raise GatewayError(f"not logged in to WeChat through {self._where}")
        return wechaty

    def _current_self_id(self) -> str:
        if self._wechaty is not None:
            try:
                return str(self._wechaty.puppet.self_id())
            except Exception:  # the gRPC client raises before its login event
                pass
        return self._self_id

    def _now(self) -> datetime:
        return self._running_bot().clock.now()

    def _at(self, timestamp: float | None) -> datetime:
        """A message's time: the platform's, in seconds or milliseconds, else now."""
        if not timestamp:
            return self._now()
        seconds = timestamp / 1000 if timestamp > 2145888000 else timestamp
        return datetime.fromtimestamp(seconds, self._running_bot().clock.tz)

    def _when(self, date: datetime | None) -> datetime:
        """An event's time: the library's naive local date when it has one, else now."""
        if date is None or date.year < 2000:
            return self._now()
        return date.astimezone(self._running_bot().clock.tz)

    async def _shown_name(self, room: Room | None, contact: Contact) -> str:
        """The name shown in the group: the member's group alias, else their WeChat name."""
        if room is not None:
            try:  # what Room.alias() reads, with the WeChat name too: one call, not two
                member = await room.puppet.room_member_payload(room.room_id, contact.contact_id)
            except Exception as exc:
                log.debug("%s is not a member of %s: %s", contact.contact_id, room.room_id,
                          _explain(exc))
            else:
                if member.room_alias or member.name:
                    return str(member.room_alias or member.name)
        if not contact.is_ready():
            try:
                await contact.ready()
            except Exception as exc:
                log.debug("no contact payload for %s: %s", contact.contact_id, _explain(exc))
        return str(contact.name or contact.contact_id)

    async def _link_url(self, msg: WechatyMessage) -> str | None:
        try:
            link = await msg.to_url_link()
        except Exception as exc:
            log.debug("no link payload for message %s: %s", msg.message_id, _explain(exc))
            return None
        return str(link.url) or None

    def _contact_name(self, contact_id: str) -> str:
        """The contact's name if this connection has loaded it, else the id."""
        wechaty = self._wechaty
        contact = wechaty.Contact._pool.get(contact_id) if wechaty is not None else None
        if contact is not None and contact.is_ready() and contact.name:
            return str(contact.name)
        return contact_id

    async def _room(self, group: str) -> Room:
        room = self._online().Room.load(group)
        await self._reload(room)
        return room

    @staticmethod
    async def _reload(room: Room) -> None:
        # Room.ready(force_sync=True) returns early while a payload is cached, so the payload
        # goes stale after add/delete/topic changes: fetch a new one and swap it in.
        room._payload = await room.puppet.room_payload(room.room_id)

    async def _act(self, what: str, action: Awaitable[T]) -> T:
        """Carry out one action; every failure becomes GatewayError (NotAllowed stays)."""
        try:
            async with asyncio.timeout(self.action_timeout):  # wait_for can lose a cancel
                return await action
        except (NotAllowed, GatewayError):
            raise
        except TimeoutError:
            raise GatewayError(f"{what}: {self._where} did not answer within "
                               f"{self.action_timeout:g}s") from None
        except Exception as exc:
            raise GatewayError(f"{what}: {_explain(exc)}") from exc

    # ------------------------------------------------------------ the Gateway protocol

    async def send_text(self, group: str, text: str, mentions: tuple[str, ...] = ()) -> None:
        async def say() -> None:
            room = self._online().Room.load(group)
            # Room.say puts "@Name" in front itself; Message.say would drop the mentions.
            await room.say(text, mention_ids=list(mentions) or None)

        await self._act(f"saying in {group}", say())

    async def send_dm(self, contact: str, text: str) -> None:
        async def say() -> None:
            await self._online().Contact.load(contact).say(text)

        await self._act(f"messaging {contact}", say())

    async def remove_member(self, group: str, member: str, reason: str = "") -> None:
        async def delete() -> None:
            room = await self._room(group)
            if room.payload.owner_id != self._current_self_id():
                raise NotAllowed(f"the bot is not the owner of {room.payload.topic} ({group})")
            if member not in room.payload.member_ids:
                log.info("%s already left %s; nothing to remove", member, group)
                return
            await room.delete(self._online().Contact.load(member))
            await self._reload(room)
            log.info("removed %s from %s: %s", member, room.payload.topic, reason)

        await self._act(f"removing {member} from {group}", delete())

    async def invite_member(self, group: str, member: str) -> None:
        async def add() -> None:
            room = await self._room(group)
            if member in room.payload.member_ids:
                log.info("%s is already in %s; nothing to invite", member, group)
                return
            await room.add(self._online().Contact.load(member))
            await self._reload(room)

        await self._act(f"inviting {member} to {group}", add())

    async def accept_friend(self, request: str) -> None:
        async def accept() -> None:
            await self._online().puppet.friendship_accept(request)

        await self._act(f"accepting the friend request {request}", accept())

    async def members(self, group: str) -> list[Member]:
        async def lookup() -> list[Member]:
            wechaty = self._online()
            room = wechaty.Room.load(group)
            ids = await wechaty.puppet.room_members(group)
            limit = asyncio.Semaphore(NAME_LOOKUPS)

            async def member(member_id: str) -> Member:
                async with limit:
                    contact = wechaty.Contact.load(member_id)
                    return Member(member_id, await self._shown_name(room, contact))

            return list(await asyncio.gather(*(member(i) for i in ids)))

        return await self._act(f"listing the members of {group}", lookup())

    async def group_info(self, group: str) -> GroupInfo:
        """The group as it is now; while reconnecting, as it was last seen."""
        if not self.online.is_set() and group in self._known:
            return self._known[group]

        async def info() -> GroupInfo:
            return _group_info(await self._room(group))

        found = await self._act(f"looking up {group}", info())
        self._known[group] = found
        return found

    async def groups(self) -> list[GroupInfo]:
        """The groups the bot is in: none before the first login, the last ones seen while
        reconnecting."""
        if not self.online.is_set():
            if not self._self_id:
                log.info("not logged in yet: groups are bound once WeChat is logged in")
            return list(self._known.values())

        async def find_all() -> list[GroupInfo]:
            return [_group_info(room) for room in await self._online().Room.find_all()]

        found = await self._act("listing the groups", find_all())
        self._known = {info.id: info for info in found}
        return found


def _group_info(room: Room) -> GroupInfo:
    payload = room.payload
    return GroupInfo(room.room_id, payload.topic, payload.owner_id or None,
                     len(payload.member_ids))
