"""A wechaty puppet-service gateway in this process: the real `wechaty.Puppet` gRPC service
(grpclib, wechaty-grpc messages) on 127.0.0.1, backed by the fake World of puppet.py.

The real python-wechaty client connects to it as it would to `wechaty gateway`: Stop, Start,
then the Event server stream, then payload and action calls. Events go out as
EventResponse(type, payload=JSON with the gateway's camelCase keys) on the open Event stream;
as the real gateway's, they are dropped while none is open (`dropped`), and Stop stops the
puppet (`puppet_stops`). The real gateway answers INTERNAL for whatever its puppet throws:
a test of a provider's failure uses INTERNAL.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from typing import Any

from grpclib.const import Cardinality, Handler, Status
from grpclib.exceptions import GRPCError
from grpclib.server import Server, Stream
from puppet import QR_BOX, Driver, World
from wechaty_grpc.wechaty import puppet as pb

# the gateway speaks TypeScript wechaty-puppet numbering; the Python client remaps it
WIRE_MESSAGE_TYPES = {"text": 7, "image": 6, "link": 14, "recalled": 13}

EVENT_TYPES = {
    "message": pb.EventType.EVENT_TYPE_MESSAGE,
    "room-join": pb.EventType.EVENT_TYPE_ROOM_JOIN,
    "room-leave": pb.EventType.EVENT_TYPE_ROOM_LEAVE,
    "room-topic": pb.EventType.EVENT_TYPE_ROOM_TOPIC,
    "friendship": pb.EventType.EVENT_TYPE_FRIENDSHIP,
    "room-invite": pb.EventType.EVENT_TYPE_ROOM_INVITE,
    "error": pb.EventType.EVENT_TYPE_ERROR,
    "scan": pb.EventType.EVENT_TYPE_SCAN,
    "login": pb.EventType.EVENT_TYPE_LOGIN,
    "logout": pb.EventType.EVENT_TYPE_LOGOUT,
}

_END = pb.EventResponse()  # tells the open Event stream to end


class FakeGateway(Driver):
    """What `wechaty gateway` would be, with `calls` (RPC names, in order) to look at."""

    def __init__(self, world: World, *, qrcode: str | None = None) -> None:
        self.world = world
        self.qrcode = qrcode  # when set, each Event stream starts with a scan event
        self.calls: list[str] = []
        self.streams_opened = 0
        self.fail: dict[str, GRPCError] = {}  # RPC name -> error for its next call
        self.failing: dict[str, GRPCError] = {}  # RPC name -> error for every call
        # RPC name -> what follows its next call, carried out: an error in place of the answer,
        # or (None) no answer at all (the gateway did it, then the answer was lost)
        self.after: dict[str, GRPCError | None] = {}
        # RPC name (RoomMemberList, RoomPayload) -> the members its answers leave out: a gateway
        # still loading a group gives a partial list
        self.left_out: dict[str, set[str]] = {}
        # room id -> its details as the gateway cached them (before a member's rename, before
        # a newcomer): RoomPayload and RoomMemberList answer so until a DirtyPayload of it
        self.cached: dict[str, pb.RoomPayloadResponse] = {}
        # contact id -> its details as the gateway cached them (a friend who removed the bot
        # since): ContactPayload answers so until a DirtyPayload of it
        self.cached_contacts: dict[str, pb.ContactPayloadResponse] = {}
        self._held: dict[tuple[str, str], asyncio.Event] = {}  # the next call only
        self._holding: dict[tuple[str, str], asyncio.Event] = {}  # every call, till set
        self.endpoint = ""  # host:port, once started
        # the open Event stream's events; None while no stream is open: as the real gateway
        # (EventStreamManager), an event is then dropped, not kept for the next stream
        self._events: asyncio.Queue[pb.EventResponse] | None = None
        self.dropped: list[pb.EventResponse] = []  # the events no stream was open for
        self.puppet_stops = 0  # Stop calls: the real gateway stops its puppet on each
        self._stream_error: GRPCError | None = None
        self._streaming: asyncio.Task[Any] | None = None  # serving the open Event stream
        self._server: Server | None = None

    async def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1 (a free port by default); returns the endpoint (host:port)."""
        self._server = Server([self])
        await self._server.start("127.0.0.1", port)
        port = self._server._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.endpoint = f"127.0.0.1:{port}"
        return self.endpoint

    def hold(self, name: str, subject: str, *, every: bool = False) -> asyncio.Event:
        """The next `name` call about `subject` (a member id, else the request's id) is
        answered once the returned event is set: a gateway slow on one lookup. With `every`,
        each call about it until then (the bot's reads of it again too)."""
        return (self._holding if every else self._held).setdefault((name, subject),
                                                                   asyncio.Event())

    def cache_room(self, room: str) -> None:
        """Keep the group's details as they are now: the gateway answers so, whatever changes
        in the world, until the bot drops them (DirtyPayload), as the real one's cache does."""
        self.cached[room] = self._room_payload(room)

    def cache_contact(self, contact: str) -> None:
        """Keep the contact's details as they are now, as `cache_room` a group's."""
        self.cached_contacts[contact] = self._contact(pb.ContactPayloadRequest(id=contact))

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    # ------------------------------------------------------------ events

    def emit(self, event: str, payload: dict[str, Any]) -> None:
        self.emit_raw(EVENT_TYPES[event], json.dumps(payload))

    def emit_raw(self, event_type: pb.EventType, payload: str) -> None:
        event = pb.EventResponse(type=event_type, payload=payload)
        if self._events is None:
            self.dropped.append(event)
        else:
            self._events.put_nowait(event)

    def login(self) -> None:
        self.emit("login", {"contactId": self.world.self_id})

    def logout(self) -> None:
        self.emit("logout", {"contactId": self.world.self_id, "data": "logged out on the phone"})

    def end_stream(self, error: GRPCError | None = None) -> None:
        """End the open Event stream: cleanly, as a restarting gateway does, or with `error`
        (a gateway whose puppet failed). The events after it are dropped until the bot opens
        a new stream."""
        if self._events is not None:
            self._stream_error = error
            self._events.put_nowait(_END)
            self._events = None

    async def _event(self, stream: Stream[Any, Any]) -> None:
        await stream.recv_message()
        self._streaming = asyncio.current_task()
        events: asyncio.Queue[pb.EventResponse] = asyncio.Queue()
        self._events = events
        self.calls.append("Event")
        self.streams_opened += 1
        try:
            if self.qrcode is not None:
                await stream.send_message(_response("scan",
                                                    {"status": 2, "qrcode": self.qrcode}))
            await stream.send_message(_response("login", {"contactId": self.world.self_id}))
            while (event := await events.get()) is not _END:
                await stream.send_message(event)
        finally:
            if self._events is events:  # (not ended by end_stream: closed, or Stop)
                self._events = None
        if self._stream_error is not None:
            raise self._stream_error

    # ------------------------------------------------------------ the service

    def __mapping__(self) -> dict[str, Handler]:
        unary: dict[str, tuple[Callable[[Any], Any], type, type]] = {
            "Start": (lambda r: pb.StartResponse(), pb.StartRequest, pb.StartResponse),
            "Stop": (self._stop, pb.StopRequest, pb.StopResponse),
            "ContactPayload": (self._contact, pb.ContactPayloadRequest,
                               pb.ContactPayloadResponse),
            "RoomList": (self._room_list, pb.RoomListRequest, pb.RoomListResponse),
            "RoomPayload": (self._room, pb.RoomPayloadRequest, pb.RoomPayloadResponse),
            "RoomMemberList": (self._room_members, pb.RoomMemberListRequest,
                               pb.RoomMemberListResponse),
            "DirtyPayload": (self._dirty, pb.DirtyPayloadRequest, pb.DirtyPayloadResponse),
            "RoomMemberPayload": (self._room_member, pb.RoomMemberPayloadRequest,
                                  pb.RoomMemberPayloadResponse),
            "MessagePayload": (self._message, pb.MessagePayloadRequest,
                               pb.MessagePayloadResponse),
            "MessageUrl": (self._message_url, pb.MessageUrlRequest, pb.MessageUrlResponse),
            "MessageSendText": (self._send_text, pb.MessageSendTextRequest,
                                pb.MessageSendTextResponse),
            "MessageSendFile": (self._send_file, pb.MessageSendFileRequest,
                                pb.MessageSendFileResponse),
            "MessageSendContact": (self._send_contact, pb.MessageSendContactRequest,
                                   pb.MessageSendContactResponse),
            "RoomQRCode": (self._room_qr, pb.RoomQrCodeRequest, pb.RoomQrCodeResponse),
            "ContactList": (self._contact_list, pb.ContactListRequest, pb.ContactListResponse),
            "RoomAdd": (self._room_add, pb.RoomAddRequest, pb.RoomAddResponse),
            "RoomDel": (self._room_del, pb.RoomDelRequest, pb.RoomDelResponse),
            "RoomTopic": (self._room_topic, pb.RoomTopicRequest, pb.RoomTopicResponse),
            "FriendshipPayload": (self._friendship, pb.FriendshipPayloadRequest,
                                  pb.FriendshipPayloadResponse),
            "FriendshipAccept": (self._friendship_accept, pb.FriendshipAcceptRequest,
                                 pb.FriendshipAcceptResponse),
            "RoomInvitationAccept": (self._invitation_accept, pb.RoomInvitationAcceptRequest,
                                     pb.RoomInvitationAcceptResponse),
            "RoomInvitationPayload": (self._invitation, pb.RoomInvitationPayloadRequest,
                                      pb.RoomInvitationPayloadResponse),
        }
        mapping = {f"/wechaty.Puppet/{name}": self._unary(name, *spec)
                   for name, spec in unary.items()}
        mapping["/wechaty.Puppet/Event"] = Handler(self._event, Cardinality.UNARY_STREAM,
                                                   pb.EventRequest, pb.EventResponse)
        return mapping

    def _unary(self, name: str, answer: Callable[[Any], Any], request: type,
               reply: type) -> Handler:
        async def handle(stream: Stream[Any, Any]) -> None:
            message = await stream.recv_message()
            self.calls.append(name)
            subject = getattr(message, "member_id", "") or getattr(message, "id", "")
            held = self._held.pop((name, subject), None) or self._holding.get((name, subject))
            if held is not None:
                await held.wait()
            if name in self.fail:
                raise self.fail.pop(name)
            if name in self.failing:
                raise self.failing[name]
            try:
                response = answer(message)
            except KeyError as exc:
                raise GRPCError(Status.NOT_FOUND, f"{name}: unknown {exc}") from None
            if name in self.after:
                if (error := self.after.pop(name)) is not None:
                    raise error
                await asyncio.Event().wait()  # done, never answered
            await stream.send_message(response)

        return Handler(handle, Cardinality.UNARY_UNARY, request, reply)

    def _stop(self, r: pb.StopRequest) -> pb.StopResponse:
        """As wechaty's gateway: Stop ends the open Event stream (a client reconnecting says
        Stop first, also when its old connection is half-open and still open here), and
        stops the puppet (counted: the real one's provider logs out, and Start starts it
        again); events until the next stream are dropped."""
        self.puppet_stops += 1
        self._events = None
        if self._streaming is not None:
            self._streaming.cancel()
        return pb.StopResponse()

    def _contact(self, r: pb.ContactPayloadRequest) -> pb.ContactPayloadResponse:
        self._lookup(r.id)
        if r.id in self.cached_contacts:
            return self.cached_contacts[r.id]
        return pb.ContactPayloadResponse(id=r.id, name=self.world.contacts[r.id],
                                         friend=r.id in self.world.friends)

    def _lookup(self, contact: str) -> None:
        if contact in self.world.broken:
            raise GRPCError(Status.INTERNAL, f"cannot load {contact}")

    def _room_list(self, r: pb.RoomListRequest) -> pb.RoomListResponse:
        return pb.RoomListResponse(ids=list(self.world.rooms))

    def _room(self, r: pb.RoomPayloadRequest) -> pb.RoomPayloadResponse:
        self._lookup(r.id)
        return self.cached.get(r.id) or self._room_payload(r.id)

    def _room_payload(self, room_id: str) -> pb.RoomPayloadResponse:
        room = self.world.rooms[room_id]
        return pb.RoomPayloadResponse(id=room.id, topic=room.topic, owner_id=room.owner,
                                      member_ids=self._listed("RoomPayload", room.id))

    def _room_members(self, r: pb.RoomMemberListRequest) -> pb.RoomMemberListResponse:
        if r.id in self.cached:
            return pb.RoomMemberListResponse(member_ids=self.cached[r.id].member_ids)
        return pb.RoomMemberListResponse(member_ids=self._listed("RoomMemberList", r.id))

    def _dirty(self, r: pb.DirtyPayloadRequest) -> pb.DirtyPayloadResponse:
        if r.type == pb.PayloadType.PAYLOAD_TYPE_ROOM:
            self.cached.pop(r.id, None)
        elif r.type == pb.PayloadType.PAYLOAD_TYPE_CONTACT:
            self.cached_contacts.pop(r.id, None)
        return pb.DirtyPayloadResponse()

    def _listed(self, name: str, room: str) -> list[str]:
        left_out = self.left_out.get(name, set())
        return [m for m in self.world.rooms[room].members if m not in left_out]

    def _room_member(self, r: pb.RoomMemberPayloadRequest) -> pb.RoomMemberPayloadResponse:
        self._lookup(r.member_id)
        alias = self.world.rooms[r.id].members[r.member_id]
        return pb.RoomMemberPayloadResponse(id=r.member_id, room_alias=alias,
                                            name=self.world.contacts[r.member_id])

    def _message(self, r: pb.MessagePayloadRequest) -> pb.MessagePayloadResponse:
        m = self.world.messages[r.id]
        return pb.MessagePayloadResponse(
            id=m.id, text=m.text, timestamp=m.timestamp, type=WIRE_MESSAGE_TYPES[m.kind],
            from_id=m.sender, room_id=m.room, to_id=m.to, mention_ids=list(m.mentions))

    def _message_url(self, r: pb.MessageUrlRequest) -> pb.MessageUrlResponse:
        link = {"url": self.world.messages[r.id].url, "title": "a link"}
        return pb.MessageUrlResponse(url_link=json.dumps(link))

    def _send_text(self, r: pb.MessageSendTextRequest) -> pb.MessageSendTextResponse:
        # the proto spells the mention field `mentonal_ids`
        return pb.MessageSendTextResponse(
            id=self.world.send_text(r.conversation_id, r.text, list(r.mentonal_ids)))

    def _send_file(self, r: pb.MessageSendFileRequest) -> pb.MessageSendFileResponse:
        # the file is a FileBox as JSON, as the gateway's FileBox.fromJSON reads it: a
        # base64 box is {"boxType" (or "type"): 1, "base64": ..., "name": ...}
        box = json.loads(r.filebox)
        if box.get("boxType") == QR_BOX:  # a QR code the gateway draws from its text
            return pb.MessageSendFileResponse(id=self.world.send_qr(r.conversation_id,
                                                                    box["qrCode"]))
        if box.get("type", box.get("boxType")) != 1:
            raise GRPCError(Status.INVALID_ARGUMENT, f"not a base64 FileBox: {r.filebox[:200]}")
        return pb.MessageSendFileResponse(id=self.world.send_file(
            r.conversation_id, box["name"], base64.b64decode(box["base64"], validate=True)))

    def _send_contact(self, r: pb.MessageSendContactRequest) -> pb.MessageSendContactResponse:
        return pb.MessageSendContactResponse(id=self.world.send_card(r.conversation_id,
                                                                     r.contact_id))

    def _room_qr(self, r: pb.RoomQrCodeRequest) -> pb.RoomQrCodeResponse:
        # the real gateway needs the group's id: python-wechaty's own call leaves it out
        if not r.id:
            raise GRPCError(Status.INVALID_ARGUMENT, "RoomQRCode: no room id")
        return pb.RoomQrCodeResponse(qrcode=self.world.room_qr_code(r.id))

    def _contact_list(self, r: pb.ContactListRequest) -> pb.ContactListResponse:
        return pb.ContactListResponse(ids=list(self.world.contacts))

    def _room_add(self, r: pb.RoomAddRequest) -> pb.RoomAddResponse:
        self.world.room_add(r.id, r.contact_id)
        return pb.RoomAddResponse()

    def _room_del(self, r: pb.RoomDelRequest) -> pb.RoomDelResponse:
        self.world.room_delete(r.id, r.contact_id)
        return pb.RoomDelResponse()

    def _room_topic(self, r: pb.RoomTopicRequest) -> pb.RoomTopicResponse:
        if r.topic is None:  # (a question: what the group is called)
            return pb.RoomTopicResponse(topic=self.world.rooms[r.id].topic)
        self.world.room_topic(r.id, r.topic)
        return pb.RoomTopicResponse()

    def _friendship(self, r: pb.FriendshipPayloadRequest) -> pb.FriendshipPayloadResponse:
        contact, hello = self.world.friendships[r.id]
        return pb.FriendshipPayloadResponse(id=r.id, contact_id=contact, hello=hello,
                                            type=pb.FriendshipType.FRIENDSHIP_TYPE_RECEIVE)

    def _friendship_accept(self, r: pb.FriendshipAcceptRequest) -> pb.FriendshipAcceptResponse:
        self.world.friendship_accept(r.id)
        return pb.FriendshipAcceptResponse()

    def _invitation(self, r: pb.RoomInvitationPayloadRequest
                    ) -> pb.RoomInvitationPayloadResponse:
        if r.id not in self.world.invitations:
            raise GRPCError(Status.NOT_FOUND, f"no invitation {r.id}")
        payload: pb.RoomInvitationPayloadResponse = self.world.invitation_payload(r.id)
        return payload

    def _invitation_accept(self, r: pb.RoomInvitationAcceptRequest
                           ) -> pb.RoomInvitationAcceptResponse:
        self.world.room_invitation_accept(r.id)
        return pb.RoomInvitationAcceptResponse()


def _response(event: str, payload: dict[str, Any]) -> pb.EventResponse:
    return pb.EventResponse(type=EVENT_TYPES[event], payload=json.dumps(payload))
