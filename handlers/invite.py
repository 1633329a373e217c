"""Invite whoever asks with a sign-up word into a group of the configured type that has room.

The operator's rule: "Someone who writes 报名 gets invited to the emptiest `to` group that is
not full; if they are in one already we say so; if all are full we tell the admins and ask
the member to wait." It works the same in a private chat (the `direct:` type) and in any
group type, so one deployment can chain steps of a funnel, e.g. a private "报名" -> a
recruitment group, then "报名" in the recruitment group -> an internship group.

- The target is the group of type `to` with the fewest members below its type's `capacity`
  (types/NAME.yaml, default 200); ties go to the first group by id.
- "Already in" means the roster shows the member in a group of type `to` and not gone
  since; the roster learns of joins from the platform and from the join backstop.
- With `match: contains`, only the clauses holding the word count (split at ，。！？,.!? and
  line ends): one that asks about it ("报名有什么要求", "谁可以报名？") or says no right
  before or after it ("先不报名了", "取消报名", "报名不收任何费用") makes the message no
  sign-up, unless it is the word alone ("报名？") or another clause asks for it ("我要报名",
  "帮我报名", "报个名", "报名！"); what the rest says does not matter ("我要报名，不过晚上才有空",
  "报名，不知道对不对"); nor does one naming a thing of signing up ("报名要求？", "报名的收入",
  "requirements to join?"). Talk of it signs nobody up: someone else named before the word,
  or a noun of its own after it ("他也想报名", "报名截止到周五", "今天报名的人好多"). No
  sign-up goes on to the handlers after this one (keywords, faq); a sign-up that also asks
  something ("我要报名，收入怎么算？") is answered by them too.
  A question about signing up that none of them answers ("报名入口？") gets the `hint`, how
  to sign up, once per `hint_cooldown` a member and per 20 s a group; not one put to another
  member or about someone else ("@Bob 报名入口在哪", "你报名了吗"), nor from a member who
  signed up within `cooldown`. A no gets nothing.
- Per member, a trigger within `cooldown` of the last one is ignored, so a repeated "报名"
  neither invites twice nor alerts the admins twice; a question with it still goes on.
- A member on the block list (removed from a group) is not invited: the join would only
  remove them again and alert the admins. An admin lets them back in (/unblock).
- Every decision goes to the audit log: invite, invite_already, invite_full, invite_blocked.

On WeChat an invitation is a card the member accepts; the join that follows is reported
like any other, so the target group's welcome greets them. WeChat invites only friends: the
account serving the target group invites its friends, anyone else gets the group's QR code
or that account's contact card (bot/invitations.py, bot.yaml `invitations`).
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import Enum, StrEnum
from typing import Annotated

from pydantic import Field

from bot import moderation
from bot.config import Duration, GroupTypeName, Template, TemplateText, placeholders
from bot.context import Context
from bot.events import Kind, Message
from bot.handler import CONTINUE, FALLBACK, STOP, Flow, Handler, HandlerConfig
from bot.invitations import How, already_in
from bot.literals import Literals
from bot.sanitize import Safe, clean, other_group
from bot.text import WordMatcher, trimmed

# A message holding a sign-up word is read clause by clause (split at punctuation, and at a
# space or line end between Chinese characters): only a clause holding the word says what the
# member means by it, so "我要报名，不过晚上才有空" or "报名，不知道对不对" sign up.
_CLAUSES = re.compile(r"[,.!?;。，．！？；\n]+|(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")
# A clause that asks about the word ("报名有什么要求", "谁可以报名", "怎么报名", "咋报名",
# "报名要交钱吗", "报名免费么": 么 asks as 吗 does, but not in 这么 那么 多么 要么 or 么么哒;
# 咋 as 怎, not in 咋呼 咋舌, nor in 咋地 ending the clause (so what: 「我就报名咋地」; 「咋地报名」
# asks how) and after 不 (not much: 「报名流程不咋地」)).
_HOW = r"怎|(?<!不)咋(?![呼舌])(?!地[\W_]*$)"
_ASKS = re.compile(
    r"吗|(?<![这那多要么])么(?!么)|呢|什么|啥|谁|哪|几(?![个位人])|多少|多久|如何|为何|是否|"
    rf"{_HOW}|"
    r"有没有|能不能|可不可以|能否|"
    # 要不要, 多不多; 报名了没(有), 报名免费不 (not-A ending it); 要报名的话; 帮朋友问问报名的事
    r"(\w)[不没]\1|了没|没有?$|不$|的话|问问|"
    r"\b(?:how|what|why|when|where|who|which|can(?!['’]t)|could|do|does|is|are)\b")
# A no said right before the word ("先不报名", "不想报名", "别给我报名", "取消报名",
# "don't join", "i can't join") or right after it ("报名不收任何费用").
_NO_BEFORE = re.compile(r"(?:[不没别勿莫]|取消|放弃|退出|算了).{0,3}$")
# (in English, read with its spaces: "i can't join", "no join"; a verb's no reaches four words
# on, not past but, though, so: "i don't want to join", "i won't be able to join", "i'm not
# going to join", not "not sure if i can but i want to join", "i can't wait to join", "never
# mind i'll join" (r102-7); a phone's ’ is an apostrophe)
_NO_BEFORE_EN = re.compile(
    r"(?:\b(?:no|cancel)\b(?:\W+\w+)?|\b(?:not|don['’]?t|won['’]?t|can['’]?t|cannot|"
    r"couldn['’]?t|never)\b(?!\W+(?:wait|mind)\b)"
    r"(?:\W+(?!(?:but|though|although|however|so)\b)\w+(?:['’]\w+)?){0,4})"
    r"(?:\W*\[[^\[\]\s]{1,12}\])*\W*$")  # (faces: "[Facepalm]")
_NO_AFTER = re.compile(r"[不没别]")
# Had it not been for: 要不是 … 就 (早, 早就, 都, 也就) right before the word and 了 after it,
# in its sentence, with no 就 都 也 早 of its own between ("要不是太忙我就报名了", "要不是下
# 雨，我早就报名了": r102-8; not "要不是你提醒我都忘了，现在就报名了", nor 只要不是 (as long
# as it is not): "只要不是骗子我就报名了"; nor "要不是你推荐我就错过报名了")
_WOULD_HAVE = re.compile(r"(?<![主需只重])要不是[^。!?;就都也早]{1,24}(?:早|[都也]?早?就|都)"
                         r"(?:[去来想要]|直接|已经)?$")  # (not 就错过报名了: had missed it)
# Later, not now: a word of time right before the word, or before 再 there, a subject
# between them or not ("明天报名", "回头再来报名", "晚点我再报名", "等我下班了报名", "考虑一下
# 再报名"; not "明天的课我报名", "考虑清楚了我要报名"); or X后/X了 or 先X before 再 ("下班后
# 再报名", "放假了再报名", "先吃饭再报名": `_THEN`), unless it is a retry (`_RETRY`; 然后再,
# 最后再 are none of these). 再 alone before the word is a retry ("我再报名一次", "现在再
# 报名"). After the word: ending the clause or after 的事 ("报名的事以后再说", "报名先等一
# 下"; not "报名以后请拉我进群").
_LATER_BEFORE = re.compile(
    r"(?:回头|晚点|晚些(?:时候)?|晚一点|晚会儿|迟点|迟些|下次|改天|改日|日后|待会儿?|稍后|以后|"
    r"之后|后面|将来|明天|后天|下周|下礼拜|下个?星期|下个?月|下学期|明年|周末|晚上|今晚|下午|"
    r"有空|有时间|有机会|一会儿?|过会儿?|过[两几些]天|过一?阵子?|到时候?|过段时间|回去|"
    r"等(?:我|有|开学|放假|下班|忙完)[^，,]{0,6}|等下|等会儿?|等一下|等等)"
    r"(?:[我你他她咱]们?|大家)?(?:[了就会]|[了就]?再[来去过]*[^，,]{0,4})?$|"
    r"(?:考虑一下|考虑考虑|观望一下|看看|想想|想一想)(?:再[来去过]*[^，,]{0,4})?$")
_THEN = re.compile(r"(?:先[^，,再]{1,4}|完[^，,再]{0,3}|(?<![然随最])后|了)再[来去过]*[^，,]{0,4}$")
# but a retry: what went wrong right before it, or a form mended ("失败了再报名", "被踢了再
# 报名", "刚才填错了再报名一次", "我已经改好了再报名"; not "下班了再报名一次", "填好了再报名
# 吧", nothing waited for: "等名额满了再报名", nor anything else after a past: "刚才老师说
# 放假了再报名", "之前决定毕业了再报名"; 满 says neither: "群满了再报名" is read as later)
_RETRY = re.compile(r"^(?!.*等(?!级|了|太久|半天))(?:.*(?:失败|错|退群|退出|被踢|被移|掉线|"
                    r"没成功|过期|报过)了?再[来去过帮我给]*$|.*(?:已经|刚才|刚刚|之前|重新)"
                    r"(?:改|填|弄|补|重填)[^，,再]{0,3}了?再[来去过帮我给]*$)")
_LATER_AFTER = re.compile(r"^(?:的事)?[^，,]{0,6}?(?:再说|再想|再议|再琢磨|以后再[说讲议聊]|"
                          r"以后再看(?:看|情况)?吧?$|改天|先放|考虑|回头再|下次|晚点|缓缓|不急|先等|等一下|等等吧)")
# but the word done first and the rest seen to after it ("先报名再说", "我先报名了再说", "不
# 管了，先报名再说"): 先 right before the word, where its clause starts or after 我 (not
# "明天先报名再说", "报名再说吧", nor the advice "你先报名再说", "大家先报名再说")
_FIRST = re.compile(r"^(?:那|那就|好|好的|行|还是|要不|干脆)?(?:[我咱]们?)?"
                    r"(?:就|还是|干脆)?先[去来]?(?:帮我|给我|替我)?$")
_THEN_SEE = re.compile(r"了?再说")
# more of the word in one message than this are not read, and each is read with this many
# characters either side: a pasted wall of 报名 took seconds (the first few decide)
_READ_AT_MOST = 32
_AROUND_WORD = 64
_CLAUSE_AT_MOST = 256  # of a long clause, what is this far from the word is not read
# A no that says "not yet" ("我还没报名", "没有报名"), not a refusal: a later clause that holds
# the word plainly ("我还没报名，现在报名") signs up.
_NOT_YET = re.compile(r"没有?[^不别勿莫]{0,3}$")
# asking how to get on ("怎么办", "咋办", "怎么弄"; not "怎么办都行", any way will do)
_WHAT_NOW = re.compile(r"(?:(?:怎么|咋|如何)(?:办|弄|搞)|怎么回事)(?![都也])|"
                       r"what (?:now|should i do)")
# Asking for the sign-up: "我要报名", "我想报名", "帮我报名", "报名！" (checked after a no).
_WANTS = re.compile(r"(?:(?<![需还只])要|想|帮我|给我|替我|我来)$|"
                    r"\b(?:want to|wanna|let me|i'?ll|please)\W*$")
# "可以报名不？", "还能报名不": asking whether one may, with 不 for 吗
_MAY_NOT = re.compile(r"不[?？]?$")
# Asking whether one may: "我可以报名吗", "现在还能报名吗" (a request, unless the clause asks
# who, what or how, or asks it another way: "谁可以报名", "什么人能报名", "报名要不要钱",
# "报名了没", "要报名的话找谁": `_ABOUT`, which no ask for the word outweighs).
_MAY = re.compile(r"(?:可以|能|能不能|可不可以|能否)$")
_ABOUT = re.compile(rf"{_HOW}|谁|什么|啥|哪|如何|多少|条件|要求|(\w)[不没]\1|了没|的话")
# The word naming a thing of signing up, not doing it: followed by a noun of its own
# ("报名要求？", "报名的条件？", "报名的收入", "报名截止时间？", "报名 收入怎么算", "join
# requirements?") or after one ("requirements to join?"), with nothing more in its sentence
# or a question there.
_NOUNS = ("要求|条件|门槛|资格|流程|步骤|时间|日期|方式|方法|渠道|入口|地址|地点|费用|收入|待遇|"
          "规则|须知|截止")
_ITS_NOUN = re.compile(rf"[\s,，]?的?(?:截止)?(?:{_NOUNS})|\s(?:requirements?|conditions?|"
                       r"process|steps?|deadline|fees?|time|income|rules)\b")
# After a comma the noun is the word's only with the word alone in its clause and a question
# ending the sentence ("报名，时间自由吗", "报名，收入？"): "我报名，时间自由吗" asks beside
# a sign-up, "报名，收入多少都行" says what the writer accepts and "报名，时间方面可以吗"
# asks whether the writer is alright (r74 finding 3)
_ENDS_ASKING = re.compile(r"(?<!可以)(?<![行能成好])[吗呢嘛么][\W_]*$")
# A clause beside a sign-up that is such a noun alone asks about it ("我要报名，收入"); one
# that only holds it says something ("报名 我符合条件")
_NOUN_ALONE = re.compile(rf"(?:{_NOUNS})[呢嘞]?")
# but the requirements beside a sign-up are asked for in any words ("我要报名，想了解一下要求",
# "报名，告诉我要求"), unless the member says they meet them ("报名 我符合条件", "报名，我够
# 条件")
_REQUIREMENTS = re.compile("条件|要求")
_MEETS = re.compile("符合|满足|达到|具备|够")
_NOUN_OF_IT = re.compile(r"\b(?:requirements?|conditions?|process|steps|deadline|fees?|"
                         r"income|rules)\s+(?:to|for)\s+$")
# Someone else doing it, not the writer: a question about them is chat between members
# ("你报名了吗", "你确定报名了吗", "有人今天报名了吗", "他报名了吗", "宝妈们报名了吗", "报名的人
# 多吗", "when did you join?"), not how to sign up, and a statement about them signs nobody
# up ("他也想报名"): anywhere before the word in its clause (only right before it, r59
# finding 4's fix, sent the hint to members chatting: r63 finding 3), and the writer not
# named after them ("你帮我报名", "他和我一起报名": `_ME`). 你好, 请问你们, 你们这(边), 你们的
# speak to the organisers, and so do 老师们 and 俺们 (we); 请问你 asks a member (r59 finding
# 3). Signing another up, or with another, is the writer's own ("我替她报名可以吗", "我和她
# 报名要交钱吗").
# (my classmate, friend, husband, mother...: "我同学也想报名"; not 宝妈, 小妹, 学姐, 同学)
_KIN = "同学|朋友|同事|室友|闺蜜|老公|老婆|爱人|孩子|女儿|儿子|[爸妈]|[哥姐弟妹]{1,2}"
_OTHERS_BEFORE = re.compile(r"(?:(?<!请问)(?<!问下)(?<!问一下)你们(?![这那的])|"
                            r"(?P<you>你(?![们好])|有人)|大家|(?<![帮替给为和跟])(?<![帮替给为和跟]我)"
                            rf"(?:[他她]人?|别人|我的?(?:{_KIN}))|(?![你我咱俺师])\w们)|"
                            r"\b(?:you|anyone|anybody|everyone|everybody|he|she|they|(?<!and\s)my\s+(?:"
                            r"friend|wife|husband|mom|mum|mother|dad|father|sister|brother|son|"
                            r"daughter|kid|child|classmate|colleague)s?)\b")
# A greeting names the group to greet it, not as doing the word ("大家好 报名", "家人们好 报名",
# "哈喽大家 报名", "hi everyone, i want to join": r74 finding 2)
_GREETING = re.compile(r"(?:哈喽|哈啰|嗨|hello|hi|hey)\W*(?:大家|\w{1,3}们|everyone|everybody)|"
                       r"(?:大家|\w{1,3}们)(?:早上|上午|中午|下午|晚上|早)?好(?!好)")
# but the group asked whether it knows how ("有人知道怎么报名吗", "你知道报名入口在哪吗" ask
# how to sign up), unless it is whether someone did ("有人知道老王报名了没": r63 finding 4)
_KNOWS = re.compile("知道|晓得|清楚")
_DEED = re.compile(r"\s?(?:了|过|没|成功)")
# and a rule of signing up asked for a third person or the group is the organisers' to answer
# ("他报名需要什么材料", "我老公他报名要交钱吗", "宝妈们 报名要交钱吗"); asked of 你 or 有人
# it is put to members ("你报名要交钱吗", "有人报名需要帮忙吗")
_RULES = re.compile(r"\s?(?:要(?!了)|需|得(?![很好早晚快慢真太挺])|必须|有(?:什么|啥)(?!用)|在哪|"
                    r"去哪|找谁)")
# but not when it asks for the writer or for going together: members' chat ("她报名要我陪吗",
# "他报名需要我帮忙吗", "大家报名要一起吗": r74 finding 4)
_ME_TOO = re.compile(r"我|一起|\b(?:i|me|us|together)\b")
_ME = re.compile(r"我|\b(?:i|me|my)\b")
# English asks how one joins with a generic you: "how do you join?", "can anyone join?"
_ONE = re.compile(r"\bhow\s+(?:do|does|can|could|would|should)\s+(?:you|anyone|anybody|one)\W*$|"
                  r"^\W*(?:can|could)\s+(?:anyone|anybody)\W*$")
# with nothing after the word but the group itself: "how do you join the call?", "so how do
# you join lol" are chat (r74 finding 5)
_ONE_AFTER = re.compile(r"(?:\s+(?:us|here|in|(?:the|this|your|our)\s+(?:group|chat|team|"
                        r"program(?:me)?|course)))?[\W_]*$")
# 请 after the word tells members what to do ("报名请私聊", "报名请发送「报名」"); any other
# request is the writer's, to be let in ("报名请通过", "报名请拉群", "报名麻烦老师通过")
_TOLD_TO_DO = ("备注|私聊|联系|添加|加|发|回复|填|扫|点|关注|咨询|注意|留意|务必|提前|按|先|到|在|"
               "用|移步|查看")
# The word as a thing, not a deed: a noun of its own or 的 and one after it ("报名截止到周五",
# "报名入口在群公告里", "报名的价格", "报名费", "报名页面打不开"; not "报名的事就拜托你了",
# "报名审核一下") or something said of it, an adverb between or not ("报名已满", "报名都满
# 了", "报名也太难了": r74 finding 6)
_THING = re.compile(rf"\s?(?:的(?!事)[\u4e00-\u9fff]|{_NOUNS}|费|表|群|链接|二维码|名额|通道|系统|"
                    r"页面|网页|网站|网址|审核(?![一下我])|"
                    r"(?:也|都|还|这么|那么)?(?:开始|结束|开放|已|满(?!意)|中|时|成功|"
                    rf"请(?!.*我)(?:{_TOLD_TO_DO})|人(?!工)|问题|咨询|通知|公告|事宜|相关|第|"
                    r"[很太真挺超难]|好(?![了的啦])|容易|简单|复杂|火爆)|"
                    r"\s(?:is|was|has|will|closes|opens)\b)")
# Sentence particles that end a statement ("报名还没开始呢", "报名免费的嘞"; 呢 asks too:
# `_ASKS`)
_PARTICLES = "的了啦哦噢啊吧呢呀嘛哈滴哟哇咯喔诶嘞捏耶噻~～"
# or its state said of it, to the end of its clause (particles, WeChat's [捂脸], any mark
# but a question's after it), with no choice of the writer's before the word (`_state_of_it`):
# "报名还没开始", "目前报名暂未开放", "报名是完全免费的啊"; not "我想报名免费试听课",
# which names what is signed up for, nor "我要报名免费的"; asked ("报名还没开始吗", "报名
# 免费？") it is a question
_STATE = re.compile(r"\s?(?:也|都|还|目前|现在|暂时?|是)*(?:(?:没有?|未|尚未|暂未|暂不|不)(?:正式)?"
                    r"(?:开始|开启|开放|结束|截止|收费)|暂停|(?:全|全部|完全|全程|一律)?(?:免费|收费))"
                    rf"(?=(?:[{_PARTICLES}]|\[[^\[\]]{{1,8}}\]|[^\w?？])*$)")
# what makes the state the writer's own choice ("我要报名免费的", "本人报名免费的", "那就报名
# 免费的吧"), not a thought ("我觉得报名还没开始", "i think 报名还没开始")
_WRITERS_OWN = re.compile(r"(?:我们|咱们|俺们|我(?!们)|咱(?!们)|俺(?!们)|(?<!日)本人)"
                          r"(?!群|这边|那边|觉得|听说|记得|看|估计|以为|猜|感觉|知道|刚问|问)|"
                          r"\b(?:i|me|my)\b(?!\s*(?:think|heard|guess|believe|thought))")
# and, right before the word, a request for it: only of the free or paid one ("麻烦报名免费
# 的", "那就报名免费的吧"); no one asks to sign up for what has not started ("立即报名还没开放")
_ASKS_FOR = re.compile(r"(?:申请|(?<![要需])求|麻烦|马上|立即|立刻|那就)\s*$")
_PRICE = re.compile("免费|收费")
# or the word told to others: sent as a text ("直接发报名就行", "回复报名"), a call to come
# ("快来报名", "都来报名"; not "我来报名") or a subject ("关于报名")
_TOLD = re.compile(r"(?:发送?|回复?|输入|打|写)\s*[「“\"『]?$|(?<![我俺咱])[快都]来\s*$|关于\s*$")
_OTHERS_AFTER = re.compile("的人|人[数多少]")  # "报名的人多吗", "报名人数多少" (not 人工)
_SENTENCE_END = re.compile(r"[,.!?;。，．！？；\n]")  # (a space ends a clause, not a sentence)
# A clause that only asks whether one may ("报名，可以吗？"): the sign-up's own, asking nothing
# more (review s40 r49 finding 4)
_MAY_I = re.compile(r"(?:请问)?(?:可以|行|好|能|成)(?:吗|嘛|么|不|不行|不可以)?|ok|okay")
# A sign-up that asks something more is read this far for it; the rest of a wall of text
# is not searched for a question.
_ASKED_WITHIN = 1024
_HAN = re.compile(r"[\u4e00-\u9fff]")
# WeChat's emoji of a question mark as it arrives in the text, [疑问] (or typed in the
# full-width brackets of a Chinese keyboard, 【疑问】), and the Unicode ❓ ❔ of phones
_QUESTION_EMOJI = re.compile(r"\[疑问\]|【疑问】|[❓❔]")
# a WeChat face right after a no ("我不[捂脸]报名了", "不想[捂脸]报名"): the no still stands
# before the word (`_NO_BEFORE`, r95-8); after a phrase that ended ("不说了[捂脸]报名",
# "没办法[捂脸]报名") the face is a break, as a comma is, and stays; so after 我要不 (「我要不
# [捂脸]报名吧」, how about; not 主要不, r104)
# (a WeChat face typed in 【】 on a Chinese keyboard: only a face's name, not 「别【错过】报名」:
# r104-6)
_FACE_NAMES = ("捂脸|旺柴|破涕为笑|微笑|撇嘴|发呆|流泪|害羞|大哭|尴尬|发怒|调皮|呲牙|惊讶|"
               "难过|抓狂|偷笑|愉快|白眼|傲慢|惊恐|憨笑|悠闲|擦汗|抠鼻|坏笑|鄙视|委屈|快哭了|"
               "阴险|奸笑|皱眉|吃瓜|天啊|打脸|翻白眼|叹气|苦涩|裂开|汗|衰|囧|晕")
_FACES = rf"(?:\[[^\[\]\s]{{1,12}}\]|【(?:{_FACE_NAMES})】)+"
# (not "不[捂脸]我要报名": the writer begins again)
_FACE_AFTER_NO = re.compile(r"((?:(?<!我要)不|[没别勿莫])[有想要用能会再]?|取消|放弃|退出)"
                            rf"{_FACES}(?![我俺咱])")
# and after 我要不 (will not: 「我要不[捂脸]报名了」, r105-5) unless 吧 呗 试试 follow the word
# within a few words, how about: 「我要不[捂脸]报名吧」
_FACE_AFTER_I_WONT = re.compile(rf"(我要不[有想要用能会再]?){_FACES}(?![我俺咱])")
_HOW_ABOUT_AFTER = re.compile(r"(?:[^\W_]|\[[^\[\]\s]{1,12}\]){0,4}(?:吧|呗|试试)")
# polite phrases that say no to nothing; words holding a no's character that are none: 特别
# (especially: 「我特别想报名」; not the 别 of 这个别, 个别人: r102), and beginning a clause
# 要不(然) (how about, with 吧 呗 试试 within six words or faces after it, no 就 between but
# right after it: 「要不报名吧」, 「要不就报名吧」; not 要不要, which asks, nor 我要不报名, will
# not, nor 「要不报名就满了(呗)」, 「要不就报名晚了吧」, or else (a 就, or late or full, before the
# 吧: r104, r105, r106-4); a bounded look, r105-1) and (只)不过
# (but: 「不过我想报名」; not 不过来 不过去 不过问 不过早, won't: r104, r105)
_NOT_NO = re.compile(r"不好意思|没问题|没关系|没错|不错|特别|(?:^|(?<=[\W_]))(?:要不(?![要需想])"
                     r"(?:然)?(?=就?(?:(?!就|晚了|迟了|来不及|满了)[^\W_]|\[[^\[\]\s]{1,12}\]){0,6}"
                     r"(?:吧|呗|试试))|"
                     r"只?不过(?![来去问关]|早(?![就先上晨些])))")
# members asking at once (a new post, a burst in the group) get one hint between them
_HINT_GUARD = timedelta(seconds=20)

Reply = Annotated[TemplateText, placeholders("member", "group")]


class MatchKind(StrEnum):
    CONTAINS = "contains"
    EXACT = "exact"


class Reading(Enum):
    """What a message says of signing up."""

    SIGN_UP = "sign-up"  # "报名", "我要报名，收入怎么算？"
    QUESTION = "question"  # about it: "报名要交钱吗？", "报名入口？", "怎么报名"
    # no word, a no or a later, or a question of someone else's: "先不报名了", "明天报名",
    # "你报名了吗"
    NOTHING = "nothing"


class Config(HandlerConfig):
    words: list[str] = Field(min_length=1)
    match: MatchKind = MatchKind.CONTAINS
    to: GroupTypeName
    cooldown: Duration = timedelta(days=1)
    mention: bool = True
    invited: Reply = Template("已邀请你加入「{group}」，请在微信里接受群邀请。")
    already: Reply = Template("你已经在「{group}」里了。")
    full: Annotated[TemplateText, placeholders("member")] = Template(
        "群暂时满员了，运营同学会尽快邀请你，请稍等。")
    tell_admins: Annotated[TemplateText, placeholders("member", "id", "type")] = Template(
        "[groupbot] 「{type}」都满了（或还没有这种群）：{member}（{id}）在等待邀请。")
    # a question about signing up that no handler after this one answered gets this
    hint: Annotated[TemplateText, placeholders("member", "word")] | None = Template(
        "想报名的话，直接发送「{word}」即可。")
    hint_cooldown: Duration = timedelta(minutes=1)


class InviteHandler(Handler[Config]):
    name = "invite"
    events = (Message,)
    Config = Config

    def prepare(self) -> None:
        config = self.config
        self._exact = WordMatcher((word, word, True) for word in config.words).words
        # "报个名" says "报名" too: a word of two Chinese characters is found with 个 between
        said = self._exact | {f"{word[0]}个{word[1]}" for word in self._exact
                              if len(word) == 2 and all(_HAN.match(c) for c in word)}
        self._words = WordMatcher((word, word, True) for word in said)
        self._first_look = Literals(said)
        self._exactly = config.match is MatchKind.EXACT

    def triggers(self) -> frozenset[str]:
        return self._words.words

    def asks(self, norm: str) -> bool:
        """Whether a message (normalized, without mentions) signs up."""
        return self.reading(norm) is Reading.SIGN_UP

    def reading(self, norm: str) -> Reading:
        """What a message (normalized, without mentions) says of signing up: with `match:
        exact` it is a sign-up word or nothing; with `match: contains` it holds one and
        asks for it, asks about it, or says no to it (`_reading`)."""
        if self._exactly:
            return Reading.SIGN_UP if norm in self._exact else Reading.NOTHING
        if not self._first_look.any_in(norm) or not _first_words(norm, self._words):
            return Reading.NOTHING
        if trimmed(norm) in self._exact:
            return Reading.SIGN_UP
        return _reading(_NOT_NO.sub("", _marked(norm)), self._words)

    def _takes(self, event: Message, ctx: Context) -> Reading:
        """What this handler reads in the message: a member's text signing up, or asking
        about it when there is a `hint` to answer with (not an admin's: they know how); else
        nothing. An admin's @所有人
        announcement is said to everyone: nothing of the writer's ("@所有人 报名截止时间？
        明天中午！"); on WeChat only the owner and admins can send one, so a member's typed
        「@所有人 我要报名」 is text and signs up. So is an admin's question posted with its
        answer, an FAQ ("Q：在校生可以报名吗？A：可以的"); a member's is read as any message
        (「我要报名！刚看到Q：…A：…」 signs up: r102, r104)."""
        sender = event.sender.id
        if event.kind is not Kind.TEXT or ctx.is_bot(sender) or (ctx.is_admin(sender) and (
                event.to_everyone or _question_and_answer(ctx.normalized))):
            return Reading.NOTHING
        reading = self.reading(ctx.normalized)
        if reading is Reading.QUESTION and (self.config.hint is None
                                            or ctx.is_admin(sender)):
            return Reading.NOTHING
        return reading

    def wants(self, event: Message, ctx: Context) -> bool:
        return self._takes(event, ctx) is not Reading.NOTHING

    async def handle(self, event: Message, ctx: Context) -> Flow:
        reading = self._takes(event, ctx)
        if reading is Reading.QUESTION:
            return FALLBACK  # the handlers after this one may answer it better (keywords)
        if reading is Reading.NOTHING:
            return CONTINUE
        sender = event.sender
        # within the cooldown a repeated "报名" does nothing, but a question asked with it
        # ("我已经报名了，收入怎么算？") goes on to keywords as any other question
        then = CONTINUE if _asks_more(_marked(ctx.normalized), self._words) else STOP
        if not await ctx.off_cooldown("asked", self.config.cooldown, member=sender.id):
            return then
        blocked = await moderation.blocked_for(ctx.store, sender.id)
        if blocked is not None:
            await ctx.audit("invite_blocked", sender.id, f"removed before for {blocked}")
            return then  # their question is answered as anyone's, never the sign-up
        values = {"member": sender.name}
        there = await already_in(ctx.store, sender.id, await ctx.groups_of_type(self.config.to))
        if there is not None:
            await ctx.audit("invite_already", sender.id, f"already in {there.topic}")
            ctx.reply(self.config.already.render({**values, "group": other_group(
                there.topic, ctx.type_title(self.config.to))}),
                      mention=self.config.mention)
            return then
        room = await ctx.group_with_room(self.config.to)
        if room is None:
            await ctx.audit("invite_full", sender.id, f"no {self.config.to} group has room")
            ctx.tell_admins(self.config.tell_admins.render(  # the operators see the real name
                {**values, "member": Safe(clean(sender.name)), "id": sender.id,
                 "type": ctx.type_title(self.config.to)}))
            ctx.reply(self.config.full.render(values), mention=self.config.mention)
            return then
        how = await ctx.invite_into(room, sender.id)
        await ctx.audit("invite", sender.id, f"to {room.id} ({room.topic})"
                        + ("" if how is How.INVITE else f" by its {how.value}"))
        if how is How.INVITE:  # else the QR code or card came with a text of its own
            ctx.reply(self.config.invited.render({**values, "group": other_group(
                room.topic, ctx.type_title(self.config.to))}),
                      mention=self.config.mention)
        return then

    async def fallback(self, event: Message, ctx: Context) -> None:
        """A question about signing up that no handler after this one answered ("报名入口？",
        "报名要交钱吗？") gets the `hint`, how to sign up: never silence. Not for a member on
        the block list (invite has nothing for them), nor for a question put to another
        member, nor for one who signed up within `cooldown`: the 「报名」 the hint tells them
        to send would do nothing. Once per `hint_cooldown` a member, and once per
        `_HINT_GUARD` a group: members asking at once get one hint."""
        hint = self.config.hint
        sender = event.sender
        if hint is None or await moderation.blocked_for(ctx.store, sender.id) is not None \
                or await _put_to_another(event, ctx):
            return
        if not await self._signed_up_lately(sender.id, ctx) and \
                await self._off_hint_cooldown(sender.id, ctx):
            ctx.reply(hint.render({"member": sender.name, "word": self.config.words[0]}),
                      mention=self.config.mention)

    async def _signed_up_lately(self, member: str, ctx: Context) -> bool:
        """Whether the member's sign-up `cooldown` runs: only a sign-up starts it, so
        looking (which notes the time) is undone when it did not run."""
        if not await ctx.off_cooldown("asked", self.config.cooldown, member=member):
            return True
        await ctx.forget("asked", member=member)
        return False

    async def _off_hint_cooldown(self, member: str, ctx: Context) -> bool:
        """The member's `hint_cooldown` and the group's guard (never longer) are both over;
        a member kept from the hint by the guard has not had it, so theirs has not begun."""
        cooldown = self.config.hint_cooldown
        if not await ctx.off_cooldown("hinted", cooldown, member=member):
            return False
        if ctx.group is None or await ctx.off_cooldown("hinted", min(_HINT_GUARD, cooldown)):
            return True
        await ctx.forget("hinted", member=member)
        return False

async def _put_to_another(event: Message, ctx: Context) -> bool:
    """Whether the message is put to another member, who answers it: it mentions someone
    other than the bot ("@Bob 报名入口在哪") or quote-replies another member ("你报名了吗"
    under Bob's 「我刚报名了」). Not a quote of the bot's, of an admin's (a question under
    their announcement is for the organisers) or of the sender's own (a follow-up of their
    own question)."""
    if any(not ctx.is_bot(member) for member in event.mentions):
        return True
    quoted = event.quoted
    return quoted is not None and quoted.name not in await ctx.mention_names(
        [ctx.bot_id, *ctx.admins, event.sender.id])


def _question_and_answer(norm: str) -> bool:
    """Whether the message is a question with its answer, as an operator's FAQ post is: a
    question's mark opening the message or after a title, a number or a bullet (a space or
    a mark before it: normalizing made the lines one), and an answer's mark after it
    ("Q：在校生可以报名吗？A：可以的", "问：怎么报名？答：发报名", 【问】…【答】…, "常见问题
    1、Q：…": r106-1). Not a mark inside a word or a link (「我也报名！刚看到Q：…A：…」,
    https://q.example.com/a.html: r105-4)."""
    question = _FAQ_LINE.search(norm)
    return question is not None and _A_MARK.search(norm, question.end()) is not None


# (normalized: "：" is ":")
_Q_MARK = re.compile(r"(?:(?<![a-z0-9])q(?:uestion)?\d*\s*[:.、]|问题?\d*\s*[:、]|"
                     r"[【\[]问[】\]])")
_FAQ_LINE = re.compile(rf"(?:^|(?<=[^\w/.@]))请?(?:{_Q_MARK.pattern})")
_A_MARK = re.compile(r"(?:(?<![a-z0-9])a(?:nswer)?\d*\s*[:.、]|(?:答案?|回复)\d*\s*[:、]|"
                     r"[【\[]答[】\]])")


def _marked(norm: str) -> str:
    """The text with a question mark's emoji (`_QUESTION_EMOJI`) read as the mark it shows
    ("报名还没开始[疑问]", "报名还没开始❓" ask as "报名还没开始？" does)."""
    return _QUESTION_EMOJI.sub("?", norm)


def _asks_more(norm: str, words: WordMatcher[str]) -> bool:
    """Whether a sign-up also asks something, which the handlers after this one answer: a
    clause without the word asks ("我要报名，收入怎么算？", "我报名了 怎么提现"), ends with
    a question mark ("我要报名，收入？"), is a thing of signing up alone ("我要报名，条件") or
    holds the requirements ("我要报名，想了解一下要求"; not "报名 我符合条件", which says the
    member meets them), or one with the word asks about a thing of signing
    up ("我要报名，报名要求？"). The first `_ASKED_WITHIN` characters are read."""
    text = norm[:_ASKED_WITHIN]
    first = 0
    for separator in [*_CLAUSES.finditer(text), None]:
        last = len(text) if separator is None else separator.start()
        clause = text[first:last]
        found = words.find_all(clause)
        if found and any(_names_a_thing_of_it(clause, begin, end) for begin, end, _ in found):
            return True
        if not found and clause.strip() and not _MAY_I.fullmatch(clause.strip()) and (
                _ASKS.search(clause) or _NOUN_ALONE.fullmatch(clause.strip())
                or (_REQUIREMENTS.search(clause) and not _MEETS.search(clause))
                or (separator is not None and "?" in separator[0])):  # "我要报名，收入？"
            return True
        first = last if separator is None else separator.end()
    return False


def _names_a_thing_of_it(norm: str, begin: int, end: int) -> bool:
    """Whether the word at norm[begin:end] names a thing of signing up ("报名要求？", "报名的
    收入", "报名 收入怎么算", "requirements to join?") rather than asking for it: the rest of
    its sentence after that noun is empty or asks."""
    noun = _ITS_NOUN.match(norm, end)
    if noun is not None and noun[0][0] in ",，":  # "报名，时间自由吗" (not "我报名，…")
        rest = _rest_of_sentence(norm, noun.end())
        return _word_alone(norm, begin, end) and bool(
            not trimmed(rest) or _ENDS_ASKING.search(rest))
    if noun is not None:
        rest = _rest_of_sentence(norm, noun.end())
    elif _NOUN_OF_IT.search(norm, max(0, begin - _AROUND_WORD), begin):
        rest = _rest_of_sentence(norm, end)
    else:
        return False
    return not trimmed(rest) or bool(_ASKS.search(rest) or _ABOUT.search(rest))


def _word_alone(norm: str, begin: int, end: int) -> bool:
    """Whether nothing of the writer's stands before the word in its clause."""
    return not trimmed(norm[_clause_of(norm, begin, end)[0]:begin])


def _rest_of_sentence(norm: str, start: int) -> str:
    """What follows norm[start] up to the next punctuation, at most `_AROUND_WORD`
    characters of it."""
    stop = _SENTENCE_END.search(norm, start, start + _AROUND_WORD)
    return norm[start:start + _AROUND_WORD if stop is None else stop.start()]


def _reading(norm: str, words: WordMatcher[str]) -> Reading:
    """What a message holding a sign-up word says of it. A sign-up: a clause asks for it
    ("我要报名", "报名！"), or one holds it plainly after a "not yet" ("我还没报名，现在报名"),
    or none holding the word says no to it or asks about it. Else a question when one asks
    about it and none says no without asking ("报名要交钱吗？", "我还没报名，报名要交钱吗",
    "为什么不能报名"; not "先不报名了，报名群好吵吗"); else nothing. The first `_READ_AT_MOST`
    words are read, each with `_AROUND_WORD` characters either side and its clause
    (`_clause_of`): a pasted wall of text costs a scan of it and no more."""
    verdict = True
    done = False  # a clause holds the word as the writer's deed, plainly
    not_yet = False  # the clauses so far said only "not yet"
    yet_at = (0, 0)  # the last "not yet" clause's start and end, unless said to you
    asked = refused = False  # a clause asked about the word; one said no to it
    asking: tuple[int, bool, bool] = (-1, False, False)  # a clause: asks what, asks
    for begin, end, _ in _first_words(norm, words):
        first, last, ending = _clause_of(norm, begin, end)
        if asking[0] != first:
            asking = (first, bool(_ABOUT.search(norm, first, last)),
                      bool(_ASKS.search(norm, first, last)))
        _, asked_what, asks = asking
        cried = ending.startswith("!")  # "报名！"
        said = norm[max(first, begin - _AROUND_WORD):begin]
        before = _FACE_AFTER_NO.sub(r"\1", said.replace(" ", ""))
        after = norm[end:min(last, end + _AROUND_WORD)]
        if not _HOW_ABOUT_AFTER.match(after):  # (「我要不[捂脸]报名了」 will not: r105-5)
            before = _FACE_AFTER_I_WONT.sub(r"\1", before)
        # the state asked ("报名还没开始？") is a question, not talk of it
        stated = ending.startswith("?") and _STATE.match(after) is not None
        talk = _talk_of_it(said, after, stated)  # "他也想报名", "报名截止到周五": nobody signs up
        asks = asks or (stated and not talk)
        if _MAY.search(before) and not asked_what and not talk and _MAY_NOT.match(after) \
                and not _NO_BEFORE.search(before):  # (「不能报名不」 asks as 「不能报名吗」)
            return Reading.SIGN_UP  # "可以报名不？"
        if _NO_BEFORE.search(before) or _NO_BEFORE_EN.search(said) or _NO_AFTER.match(after) or \
                (after.startswith("了") and _WOULD_HAVE.search(
                    norm[max(0, begin - _AROUND_WORD):begin].replace(" ", ""))) or \
                _LATER_BEFORE.search(before) or (_LATER_AFTER.search(after) and not (
                    _FIRST.search(before) and _THEN_SEE.match(after))) or \
                (_THEN.search(before) and not _RETRY.search(before)):
            only_not_yet = bool(_NOT_YET.search(before)) and not _NO_AFTER.match(after)
            not_yet = (verdict or not_yet) and only_not_yet
            addressed = _others_named(said)  # (not "你还没报名？怎么搞的", a complaint at
            yet_at = yet_at if addressed and addressed["you"] else (first, last)  # you: r106-3)
            # "为什么不能报名", "报名不收费吗？" (not "你不报名吗")
            asked = asked or (asks and not _of_others(said, after))
            refused = refused or not (asks or only_not_yet)
            verdict = False
        elif not asked_what and not talk and (_WANTS.search(before) or (cried and end == last) or (
                # "我可以报名吗" asks for it; "可以报名的时间？" asks when
                _MAY.search(before) and not _names_a_thing_of_it(norm, begin, end))):
            return Reading.SIGN_UP
        elif asks or _names_a_thing_of_it(norm, begin, end):  # "报名要求？" asks too
            verdict = not_yet = False
            asked = asked or not _of_others(said, after)
        elif talk:
            continue
        elif not_yet:
            return Reading.SIGN_UP  # "我还没报名，现在报名"
        else:
            done = True  # "报名", "我报名", "报名以后请拉我进群"
    if verdict and done:
        return Reading.SIGN_UP
    if not_yet and _what_now_after(norm, *yet_at):  # "我没报名上，怎么办": not in yet, and
        return Reading.QUESTION  # asking how to be (r100-8): the hint says how
    return Reading.QUESTION if asked and not refused else Reading.NOTHING


def _what_now_after(norm: str, first: int, last: int) -> bool:
    """Whether the clause norm[first:last] or the one after it asks what to do (`_WHAT_NOW`),
    not a sentence about something else further on (r106-3)."""
    if first == last:
        return False
    after = _CLAUSES.search(norm, last + 1, last + _CLAUSE_AT_MOST)
    return _WHAT_NOW.search(norm, first, after.start() if after else
                            min(len(norm), last + _CLAUSE_AT_MOST)) is not None


def _talk_of_it(before: str, after: str, asked: bool = False) -> bool:
    """Whether the word is talked of rather than done by the writer: someone else does it
    ("他也想报名", "大家可以报名吗") or it is a thing named ("报名截止到周五", "报名入口在群公告里",
    "今天报名的人好多", "报名费"), its state said (`_STATE`, unless `asked`: "报名还没开始？")
    or told to others (`_TOLD`); the writer doing it needs no "I" ("报名以后请拉我进群")."""
    return bool(_others_named(before) or _TOLD.search(before) or _OTHERS_AFTER.match(after)
                or _THING.match(after) or (not asked and _state_of_it(before, after)))


def _state_of_it(before: str, after: str) -> bool:
    """Whether `after` says the state of signing up (`_STATE`) and no choice of the writer's
    stands before the word to make it their sign-up."""
    state = _STATE.match(after)
    if state is None or _WRITERS_OWN.search(before) or _WANTS.search(before.replace(" ", "")):
        return False
    return not (_ASKS_FOR.search(before) and _PRICE.search(state[0]))


def _others_named(before: str) -> re.Match[str] | None:
    """Someone else named before the word (`_OTHERS_BEFORE`) and not the writer after them:
    "他和我一起报名", "你帮我报名" are the writer's; nor those greeted ("大家好 报名")."""
    greeted = max((greeting.end() for greeting in _GREETING.finditer(before)), default=0)
    others = _OTHERS_BEFORE.search(before, greeted)
    return None if others is None or _ME.search(before, others.end()) else others


def _of_others(before: str, after: str) -> bool:
    """Whether the word is said of someone else: `_OTHERS_AFTER` after it, or `_OTHERS_BEFORE`
    in what its clause says before it, unless the word names a thing of signing up
    ("大家报名入口在哪里" asks where the entrance is, not who signed up), the group is asked
    whether it knows how (`_KNOWS`), a rule of it is asked for someone not addressed and
    not of the writer (`_RULES`, `_ME_TOO`) or one asks how one joins (`_ONE`,
    `_ONE_AFTER`)."""
    if _OTHERS_AFTER.match(after):
        return True
    others = _others_named(before)
    if others is None or _ITS_NOUN.match(after) or (
            _ONE.search(before) and _ONE_AFTER.match(after)):
        return False
    if _KNOWS.search(before, others.end()) and not _DEED.match(after):
        return False
    return not (_RULES.match(after) and others["you"] is None and not _ME_TOO.search(after))


def _clause_of(norm: str, begin: int, end: int) -> tuple[int, int, str]:
    """The clause around the word at norm[begin:end], at most `_CLAUSE_AT_MOST` characters
    either side: where it begins, where it ends, and what ends it ('' for the text's end)."""
    first = max(0, begin - _CLAUSE_AT_MOST)
    for separator in _CLAUSES.finditer(norm, first, begin):
        first = separator.end()
    stop = _CLAUSES.search(norm, end, end + _CLAUSE_AT_MOST)
    if stop is None:
        return first, min(len(norm), end + _CLAUSE_AT_MOST), ""
    return first, stop.start(), stop[0]


def _first_words(norm: str, words: WordMatcher[str]) -> list[tuple[int, int, str]]:
    """The first `_READ_AT_MOST` sign-up words of the text, looked for in a beginning of it
    that grows until it holds them (a wall of 报名 is not listed whole)."""
    size = 1024
    while True:
        found = words.find_all(norm[:size])
        if size >= len(norm) or (len(found) > _READ_AT_MOST and
                                  found[_READ_AT_MOST - 1][1] + _AROUND_WORD <= size):
            return found[:_READ_AT_MOST]  # (none of these cut short by the beginning's end)
        size *= 4
