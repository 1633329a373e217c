"""Small talk: greetings, thanks, goodbyes, acknowledgements, laughter, praise, "are you
there", a newcomer's stock self-introduction, and the pronouns and particles around them.

Text made only of these words (or of nothing but emoji and punctuation) says nothing to act
on: the faq handler neither looks it up nor hands it off when it mentions the bot, and the
antispam handler never takes newcomers greeting alike («大家好，新人报到，请多多关照») for a
raid. Words are jieba's (bot/retrieval.py `whole_words`), which cuts 报到 into 报 and 到.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from bot.retrieval import whole_words
from bot.text import normalize

_WORDS = (
    "你好 您好 你们好 大家好 哈喽 嗨 早 早安 早上好 上午好 中午好 下午好 晚上好 晚安 "
    "谢谢 谢谢你 多谢 感谢 谢啦 谢了 辛苦 辛苦了 麻烦了 好 好的 好滴 嗯 哦 噢 喔 行 "
    "收到 明白 知道 知道了 了解 懂了 可以 没问题 没事 不客气 拜拜 再见 回见 赞 点赞 棒 "
    "真棒 太棒了 厉害 牛 加油 可爱 爱你 么么哒 在 在吗 在不在 在么 你 您 我 我们 大家 "
    "小助手 助手 小 机器人 bot 啊 呀 哇 啦 吧 呢 吗 嘛 了 的 哈 呵 嘿 嘻 真 很 太 也 都 "
    # a newcomer's greeting (with the phrases below): 很高兴认识大家, 请多多指教
    "各位 老师 同学 朋友 新朋友 新人 新同学 关照 指教 初来乍到 认识 高兴 很高兴 欢迎 "
    # wishes: 祝大家中秋节快乐，阖家幸福！
    "祝 祝福 祝愿 快乐 愉快 开心 节日 新年 春节 元旦 元宵 元宵节 中秋 中秋节 国庆 "
    "国庆节 端午 端午节 圣诞 圣诞节 生日 周末 生日快乐 新年快乐 节日快乐 中秋快乐 "
    "春节快乐 圣诞快乐 端午安康 安康 新年好 周末愉快 幸福 阖家幸福 万事如意 身体健康 "
    "心想事成 恭喜 恭喜发财 平安 "
    "hi hello hey thanks thank you thx ok okay good morning night bye lol nice great"
)
SMALL_TALK = frozenset(normalize(word) for word in _WORDS.split())
# taken out whole before segmenting: jieba cuts 报到 into 报 and 到, 新来的 into 新, 来, 的
# (none of which is small talk alone: "到了吗" and "是谁" ask something)
_PHRASES = tuple(normalize(phrase) for phrase in (
    "新人报到", "报到", "是新来的", "新来的", "新成员", "请多多关照", "请多关照", "多多关照",
    "请多指教", "请多多指教", "多多指教"))
_LAUGHTER = frozenset("哈呵嘿嘻嗯哦6")  # 哈哈哈哈, 嗯嗯, 666 in any length
# characters of a mention to the bot that may be small talk (a greeting, a wish, a laugh): a
# longer one is something said, not segmented (jieba holds the interpreter's lock: a mention
# of 20,000 characters would slow every group's events for a second). Not for the raid rule:
# members copying a long wish or laugh to each other are no raid (review s40 r47-6).
LONGEST = 200


@lru_cache(maxsize=1024)
def _only(norm: str) -> bool:
    return all(word in SMALL_TALK or set(word) <= _LAUGHTER
               for word in whole_words(norm) if any(c.isalnum() for c in word))


def small_talk_only(text: str, phrases: Iterable[str] = ()) -> bool:
    """Every word of `text` is small talk ("你好呀", "谢谢小助手！", "哈哈哈 👍"). `phrases`
    (normalized) are more small talk, taken out whole first (jieba may cut them). Segmenting
    loads jieba's dictionary the first time: call it from a worker thread."""
    norm = normalize(text)
    for phrase in (*_PHRASES, *phrases):
        norm = norm.replace(phrase, " ")
    return _only(norm)
