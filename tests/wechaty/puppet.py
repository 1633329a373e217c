"""A fake WeChat for the wechaty tests: the world (contacts, groups, messages, what the bot
did), the events a test can make happen in it, and an in-process wechaty Puppet on it.

The same World and Driver back the gRPC gateway in grpc_server.py, so both kinds of test
speak one language: `driver.say("r1", "alice", "hi")`, then look at `world.sent`.
"""

from __future__ import annotations

import base64
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from pyee import AsyncIOEventEmitter
from wechaty_puppet import (
    ContactPayload,
    EventErrorPayload,
    EventFriendshipPayload,
    EventLoginPayload,
    EventMessagePayload,
    EventRoomInvitePayload,
    EventRoomJoinPayload,
    EventRoomLeavePayload,
    EventRoomTopicPayload,
    FileBox,
    FriendshipPayload,
    FriendshipType,
    MessagePayload,
    MessageType,
    Puppet,
    PuppetOptions,
    RoomInvitationPayload,
    RoomMemberPayload,
    RoomPayload,
    UrlLinkPayload,
)

QR_PREFIX = "https://weixin.qq.com/g/fake-"  # a fake group QR code: this and the group's id
BOT_ID = "wxid_bot"
BOT_NAME = "Helper"

QR_BOX = 3  # a FileBox's boxType when it is a QR code the gateway draws (qrCode: its text)

# the message kinds a test writes, as wechaty-grpc's MessageType (what the Python side sees)
MESSAGE_TYPES = {
    "text": MessageType.MESSAGE_TYPE_TEXT,
    "image": MessageType.MESSAGE_TYPE_IMAGE,
    "link": MessageType.MESSAGE_TYPE_URL,
    "recalled": MessageType.MESSAGE_TYPE_RECALLED,
}


@dataclass
class FakeRoom:
    id: str
    topic: str
    owner: str
    members: dict[str, str] = field(default_factory=dict)  # id -> group alias ('' for none)


@dataclass
class FakeMessage:
    id: str
    sender: str
    text: str
    room: str = ""
    to: str = ""
    kind: str = "text"
    mentions: list[str] = field(default_factory=list)
    url: str = ""
    timestamp: int = 0


class World:
    """What the fake WeChat knows, and every action the bot took in it (`sent`)."""

    def __init__(self, self_id: str = BOT_ID, self_name: str = BOT_NAME) -> None:
        self.self_id = self_id
        self.contacts: dict[str, str] = {self_id: self_name}
        self.rooms: dict[str, FakeRoom] = {}
        self.messages: dict[str, FakeMessage] = {}
        self.friendships: dict[str, tuple[str, str]] = {}  # id -> (contact, hello)
        self.friends: set[str] = set()  # contacts whose friend request was accepted
        self.sent: list[dict[str, Any]] = []
        self.broken: set[str] = set()  # contacts and groups whose details fail to load
        self.invitations: dict[str, FakeRoom] = {}  # id -> the group it lets the bot into
        self.inviters: dict[str, str] = {}  # invitation id -> who invited the bot
        self._ids = itertools.count(1)

    def add_room(self, room_id: str, topic: str, members: dict[str, str],
                 owner: str | None = None) -> FakeRoom:
        """`members`: id -> name; the bot is always in the room."""
        self.contacts.update(members)
        room = FakeRoom(room_id, topic, owner or self.self_id,
                        {self.self_id: "", **{m: "" for m in members}})
        self.rooms[room_id] = room
        return room

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    def texts(self, to: str | None = None) -> list[str]:
        return [r["text"] for r in self.sent
                if r["action"] == "say" and (to is None or r["to"] == to)]

    def actions(self, action: str) -> list[dict[str, Any]]:
        return [r for r in self.sent if r["action"] == action]

    # ------------------------------------------------------------ what the bot does

    def send_text(self, conversation: str, text: str, mentions: list[str]) -> str:
        self.sent.append({"action": "say", "to": conversation, "text": text,
                          "mentions": list(mentions)})
        in_room = conversation in self.rooms
        message = FakeMessage(self.new_id("sent"), self.self_id, text,
                              room=conversation if in_room else "",
                              to="" if in_room else conversation,
                              mentions=list(mentions), timestamp=int(time.time()))
        self.messages[message.id] = message
        return message.id

    def send_file(self, conversation: str, name: str, data: bytes) -> str:
        """An image or file the bot sent: `name` and `data` as they arrived."""
        self.sent.append({"action": "file", "to": conversation, "name": name, "data": data})
        return self.new_id("sent")

    def files(self, to: str | None = None) -> list[tuple[str, bytes]]:
        return [(r["name"], r["data"]) for r in self.actions("file")
                if to is None or r["to"] == to]

    def room_add(self, room_id: str, contact: str) -> None:
        self.sent.append({"action": "invite", "room": room_id, "member": contact})
        self.rooms[room_id].members[contact] = ""

    def room_delete(self, room_id: str, contact: str) -> None:
        self.sent.append({"action": "kick", "room": room_id, "member": contact})
        self.rooms[room_id].members.pop(contact, None)

    def room_topic(self, room_id: str, topic: str) -> None:
        self.sent.append({"action": "rename", "room": room_id, "topic": topic})
        self.rooms[room_id].topic = topic

    def friendship_accept(self, friendship_id: str) -> None:
        self.sent.append({"action": "accept_friend", "request": friendship_id})
        if friendship_id in self.friendships:  # a request the test made up is accepted too
            self.friends.add(self.friendships[friendship_id][0])

    def room_invitation_accept(self, invitation_id: str) -> None:
        """The bot joins the invitation's group (a second acceptance changes nothing)."""
        self.sent.append({"action": "accept_invitation", "invitation": invitation_id})
        if (room := self.invitations.get(invitation_id)) is not None:
            self.rooms[room.id] = room

    def invitation_payload(self, invitation_id: str) -> RoomInvitationPayload:
        """What the gateway says of an invitation: who invited the bot into which group."""
        room = self.invitations[invitation_id]
        return RoomInvitationPayload(id=invitation_id, inviter_id=self.inviters[invitation_id],
                                     topic=room.topic, member_count=len(room.members),
                                     member_ids=list(room.members), timestamp=int(time.time()),
                                     receiver_id=self.self_id)

    def send_card(self, conversation: str, contact: str) -> str:
        """A contact card, shown as WeChat shows it: [名片 Name]."""
        self.sent.append({"action": "card", "to": conversation, "card": contact,
                          "shown": f"[名片 {self.contacts.get(contact, contact)}]"})
        return self.new_id("sent")

    def room_qr_code(self, room_id: str) -> str:
        """The group's QR code (what its image encodes); only for a group the bot is in."""
        return f"{QR_PREFIX}{self.rooms[room_id].id}"

    def send_qr(self, conversation: str, code: str) -> str:
        """A QR code image the gateway draws from `code`: [群二维码 Topic] for a group's."""
        room = self.rooms.get(code.removeprefix(QR_PREFIX)) if code.startswith(
            QR_PREFIX) else None
        self.sent.append({"action": "qr", "to": conversation, "code": code,
                          "shown": f"[群二维码 {room.topic if room else code}]"})
        return self.new_id("sent")


class Driver:
    """Makes things happen in the world and tells the bot, the way WeChat would."""

    world: World

    def emit(self, event: str, payload: dict[str, Any]) -> None:
        """Deliver one puppet event; `payload` has the puppet-service's camelCase keys."""
        raise NotImplementedError

    def say(self, room: str | None, sender: str, text: str, *, mentions: tuple[str, ...] = (),
            kind: str = "text", url: str = "", message_id: str | None = None) -> str:
        """A message in `room` (None: a private message to the bot); returns its id."""
        world = self.world
        world.contacts.setdefault(sender, sender)
        message = FakeMessage(message_id or world.new_id("msg"), sender, text,
                              room=room or "", to="" if room else world.self_id, kind=kind,
                              mentions=list(mentions), url=url, timestamp=int(time.time()))
        world.messages[message.id] = message
        self.emit("message", {"messageId": message.id})
        return message.id

    def join(self, room: str, members: dict[str, str], inviter: str,
             timestamp: int | None = None) -> None:
        world = self.world
        world.contacts.update(members)
        for member in members:
            world.rooms[room].members.setdefault(member, "")  # keeps a group alias set before
        self.emit("room-join", {"roomId": room, "inviteeIdList": list(members),
                                "inviterId": inviter,
                                "timestamp": timestamp or int(time.time())})

    def leave(self, room: str, members: list[str], remover: str,
              timestamp: int | None = None) -> None:
        if room in self.world.rooms:  # else: a group the gateway no longer knows
            for member in members:
                self.world.rooms[room].members.pop(member, None)
        self.emit("room-leave", {"roomId": room, "removeeIdList": members,
                                 "removerId": remover,
                                 "timestamp": timestamp or int(time.time())})

    def rename_room(self, room: str, topic: str, changer: str) -> None:
        old = self.world.rooms[room].topic
        self.world.rooms[room].topic = topic
        self.emit("room-topic", {"roomId": room, "newTopic": topic, "oldTopic": old,
                                 "changerId": changer, "timestamp": int(time.time())})

    def friend_request(self, contact: str, name: str, hello: str) -> str:
        friendship_id = self.world.new_id("fr")
        self.world.contacts[contact] = name
        self.world.friendships[friendship_id] = (contact, hello)
        self.emit("friendship", {"friendshipId": friendship_id})
        return friendship_id

    def invite_bot(self, inviter: str = "admin1", topic: str = "") -> str:
        """An invitation by `inviter` (by default the admin of conftest's config) into a new
        group of theirs (the bot is in it once it accepts)."""
        invitation_id = self.world.new_id("inv")
        room_id = self.world.new_id("invited")
        self.world.invitations[invitation_id] = FakeRoom(
            room_id, topic or f"Invited {room_id}", inviter,
            {self.world.self_id: "", inviter: ""})
        self.world.inviters[invitation_id] = inviter
        self.emit("room-invite", {"roomInvitationId": invitation_id})
        return invitation_id

    def error(self, payload: dict[str, Any]) -> None:
        self.emit("error", payload)


class InProcessPuppet(Puppet, Driver):  # type: ignore[misc]  # wechaty_puppet is untyped
    """A wechaty Puppet in this process: start() logs in at once, events come from Driver."""

    def __init__(self, world: World) -> None:
        super().__init__(PuppetOptions(), "in-process")
        self.world = world
        self.emitter = AsyncIOEventEmitter()

    # ------------------------------------------------------------ events out

    def on(self, event_name: str, caller: Any) -> None:
        self.emitter.on(event_name, caller)

    def listener_count(self, event_name: str) -> int:
        return len(self.emitter.listeners(event_name))

    def emit(self, event: str, payload: dict[str, Any]) -> None:
        self.emitter.emit(event, _event_payload(event, payload))

    async def start(self) -> None:
        self.emitter.emit("login", EventLoginPayload(contact_id=self.world.self_id))

    async def stop(self) -> None:
        self.emitter.remove_all_listeners()

    def self_id(self) -> str:
        return self.world.self_id

    # ------------------------------------------------------------ payloads

    async def contact_payload(self, contact_id: str) -> ContactPayload:
        return ContactPayload(id=contact_id, name=self.world.contacts.get(contact_id, contact_id),
                              friend=contact_id in self.world.friends)

    async def room_search(self, query: Any = None) -> list[str]:
        return list(self.world.rooms)

    async def room_payload(self, room_id: str) -> RoomPayload:
        room = self.world.rooms[room_id]
        return RoomPayload(id=room.id, topic=room.topic, owner_id=room.owner,
                           member_ids=list(room.members))

    async def dirty_payload(self, payload_type: Any, payload_id: str) -> None:
        """Nothing cached here: every payload is read from the world."""

    async def room_members(self, room_id: str) -> list[str]:
        return list(self.world.rooms[room_id].members)

    async def room_member_payload(self, room_id: str, contact_id: str) -> RoomMemberPayload:
        room = self.world.rooms[room_id]
        if contact_id not in room.members:
            raise KeyError(f"{contact_id} is not in {room_id}")
        return RoomMemberPayload(id=contact_id, room_alias=room.members[contact_id],
                                 name=self.world.contacts.get(contact_id, contact_id))

    async def message_payload(self, message_id: str) -> MessagePayload:
        m = self.world.messages[message_id]
        return MessagePayload(id=m.id, text=m.text, timestamp=m.timestamp,
                              type=MESSAGE_TYPES[m.kind], from_id=m.sender, room_id=m.room,
                              to_id=m.to, mention_ids=list(m.mentions))

    async def message_url(self, message_id: str) -> UrlLinkPayload:
        return UrlLinkPayload(url=self.world.messages[message_id].url, title="")

    async def friendship_payload(self, friendship_id: str,
                                 payload: Any = None) -> FriendshipPayload:
        contact, hello = self.world.friendships[friendship_id]
        return FriendshipPayload(id=friendship_id, contact_id=contact, hello=hello,
                                 type=FriendshipType.FRIENDSHIP_TYPE_RECEIVE)

    # ------------------------------------------------------------ actions

    async def message_send_text(self, conversation_id: str, message: str,
                                mention_ids: list[str] | None = None) -> str:
        return self.world.send_text(conversation_id, message, mention_ids or [])

    async def message_send_file(self, conversation_id: str, file: FileBox) -> str:
        box = json.loads(file.to_json_str())  # what goes over the wire, as the gateway reads it
        if box["boxType"] == QR_BOX:
            return self.world.send_qr(conversation_id, box["qrCode"])
        return self.world.send_file(conversation_id, box["name"], base64.b64decode(box["base64"]))

    async def message_send_contact(self, contact_id: str, conversation_id: str) -> str:
        return self.world.send_card(conversation_id, contact_id)

    async def room_qr_code(self, room_id: str) -> str:
        return self.world.room_qr_code(room_id)

    async def contact_list(self) -> list[str]:
        return list(self.world.contacts)

    async def room_add(self, room_id: str, contact_id: str) -> None:
        self.world.room_add(room_id, contact_id)

    async def room_delete(self, room_id: str, contact_id: str) -> None:
        self.world.room_delete(room_id, contact_id)

    async def room_topic(self, room_id: str, new_topic: str) -> None:
        self.world.room_topic(room_id, new_topic)

    async def friendship_accept(self, friendship_id: str) -> None:
        self.world.friendship_accept(friendship_id)

    async def room_invitation_accept(self, room_invitation_id: str) -> None:
        self.world.room_invitation_accept(room_invitation_id)

    async def room_invitation_payload(self, room_invitation_id: str,
                                      payload: Any = None) -> RoomInvitationPayload:
        return self.world.invitation_payload(room_invitation_id)


def _event_payload(event: str, p: dict[str, Any]) -> Any:
    """The puppet event payload python-wechaty expects for a puppet-service style event."""
    if event == "message":
        return EventMessagePayload(message_id=p["messageId"])
    if event == "room-join":
        return EventRoomJoinPayload(invited_ids=p["inviteeIdList"], inviter_id=p["inviterId"],
                                    room_id=p["roomId"], timestamp=p["timestamp"])
    if event == "room-leave":
        return EventRoomLeavePayload(removed_ids=p["removeeIdList"], remover_id=p["removerId"],
                                     room_id=p["roomId"], timestamp=p["timestamp"])
    if event == "room-topic":
        return EventRoomTopicPayload(changer_id=p["changerId"], new_topic=p["newTopic"],
                                     old_topic=p["oldTopic"], room_id=p["roomId"],
                                     timestamp=p["timestamp"])
    if event == "friendship":
        return EventFriendshipPayload(friendship_id=p["friendshipId"])
    if event == "room-invite":
        return EventRoomInvitePayload(room_invitation_id=p["roomInvitationId"])
    if event == "error":
        return EventErrorPayload(data=p.get("data", ""))
    raise ValueError(f"no such puppet event: {event}")
