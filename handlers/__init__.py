"""The operations an operator can turn on per group type, by their YAML names."""

from __future__ import annotations

from bot.handler import Registry
from handlers.admin import Admin
from handlers.antispam import Antispam
from handlers.checkin import Checkin
from handlers.faq import Faq
from handlers.fission import Fission
from handlers.friends import Friends
from handlers.funnel import Funnel
from handlers.invite import InviteHandler
from handlers.keywords import Keywords
from handlers.lifecycle import Lifecycle
from handlers.namecard import NameCard
from handlers.push import Push
from handlers.quiz import QuizHandler
from handlers.rules import Rules
from handlers.welcome import Welcome

REGISTRY: Registry = {
    handler.name: handler
    for handler in (Antispam, Admin, Welcome, Rules, Keywords, Friends, InviteHandler, Checkin,
                    Push, Funnel, QuizHandler, NameCard, Fission, Lifecycle, Faq)
}
