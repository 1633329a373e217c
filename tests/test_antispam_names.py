"""A member whose name is an ad (「兼职日结 加V abc12345」, a link): antispam's `names`, read as
they join (the core's join for an unreported newcomer's first message too) by the message
detectors, with their exemptions, once per member and name; the shipped types: a case
(base), a public warning asking for another name (recruitment), only logged (customer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import BOT_YAML, SHIPPED, Harness, write_config

from bot.yamlfile import InputError

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

RECRUITMENT = {"r1": "Listener Recruitment 01"}
CUSTOMER = {"c1": "Customer 01 客户群"}
INTERNSHIP = {"i1": "Listener Internship 01 实习群"}
AD_NAME = "兼职日结 加V abc12345"
NAME_WARNING = "⚠️ 警告 (1/2)：昵称含广告，请修改群昵称。警告满 2 次将被移出群聊。"

# what members of B-side and listener groups call themselves: trades, companies, cities,
# emoji, years, numbers that are no contact detail; none may be acted on
INNOCENT_NAMES = [
    "王姐-装修", "上海-声动科技-林晓", "🌸小美🌸", "Lily 1998", "张伟", "A阿杰-二手车", "老李 18岁",
    "北京-字节跳动-王磊", "深圳华强北电子 陈生", "小王(请勿打扰)", "🍀平安是福🍀", "李强",
    "Tony丶Top", "小雨2026", "王者荣耀国服第一", "123木头人", "静待花开🌺", "广州-美美服饰-阿芳",
    "张三-人力资源-HR", "倾听者-小林", "林老师(心理咨询)", "Kevin_Zhang", "kevin2008", "晴天☀️",
    "A01-陈经理", "杭州-阿里巴巴-小宋", "Mr.Wang", "网易-王工", "QQ飞车小王子", "微信支付-小李",
    "京东-物流-刘师傅", "顺丰快递-张哥", "1314520", "宝妈-兼职", "👑王者归来👑",
    "AAA建材批发-老周", "VIP-张总", "V哥", "David.Li", "南京-倾听学院-王老师", "2班-李华妈妈",
    "Q宝", "企鹅🐧", "成都-58同城-小何", "天猫旗舰店-客服小美", "小红书@糖糖", "wx小仙女",
    "Vicky_520", "老张 工号1023", "12栋1单元-李姐", "95后-小刘", "Coco.Chen", "黄老师", "小黄人",
    "台州-阿东", "xiaoming1990", "Lucky88888", "Tina 13岁", "138号技师", "张总 2026.11.23",
    "杭州0571-小陈", "400电话客服", "Grace-上海", "阿伟 v587", "Angel_1314", "a123456",
    "李 1380013", "QQ 小冰", "晨曦 2019.05.20", "老K 8888", "张总(手机同号)", "vx小号", "wx_alice",
    "薇薇", "V587", "陈 · 摄影", "色彩搭配师-小林", "藏獒爱好者", "台湾同胞-阿明",
    # two words with a dot, whose ending is also a domain's (review r5 R5-8)
    "vivi.love", "Amy.Life", "Leo.Me", "Mia.Top", "Bob.Fun", "Tina.Cn", "lily.zhang.cn",
    "Coco.Club", "Jack.Vip", "Kim.CC",
]
AD_NAMES = [
    AD_NAME, "代办信用卡 13800138000", "加微信 kefu888 领福利", "www.evil-shop.com 特价",
    "刷单日赚500 vx:shuadan888", "免费领红包 qq 12345678", "t.cn/abc123", "约炮 私我",
    "邮箱 abc123@gmail.com", "日结300 薇 abc12345",
    # a site: a .com, a www., digits in its name, a path, a scheme (review r5 R5-8)
    "xx.com 加V", "www.abc.cn", "abc123.top 看片", "abc.com.cn", "vivi.love/vip",
    "https://vivi.love",
]


async def _audit(h: Harness, action: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in await h.bot.store.all(
        "SELECT member, detail FROM audit WHERE action=? AND handler='antispam' ORDER BY id",
        (action,))]


async def _join(h: Harness, group: str, member: str, name: str) -> None:
    h.world.contacts[member] = name
    await h.join(group, member, inviter="bob")


def _config(tmp_path: Path, antispam: str) -> Path:
    return write_config(tmp_path / "config", BOT_YAML, {"recruitment": f"""\
handlers:
  - antispam:
      warn_limit: 2
{antispam}
  - welcome:
      template: "欢迎{{members}}"
      window: 5s
"""})


# ---------------------------------------------------------------- the shipped types


async def test_an_ad_name_joining_a_recruitment_group_is_warned_to_change_it(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        await _join(h, "r1", "eve", AD_NAME)
        await h.advance("1m")
        warnings = [r for r in h.actions("say", group="r1") if r["text"].startswith("⚠️")]
        assert [(r["text"], r["mentions"]) for r in warnings] == [(NAME_WARNING, ["eve"])]
        assert await _audit(h, "warn") == [
            ("eve", "names: 昵称含广告 [wechat:abc12345] (1/2)")]
        # the same name again (left and joined again): not warned twice
        await h.leave("r1", "eve")
        await _join(h, "r1", "eve", AD_NAME)
        await h.advance("1m")
        assert len(await _audit(h, "warn")) == 1 and h.actions("kick") == []
        # another ad for a name: the second warning, which removes
        await h.leave("r1", "eve")
        await _join(h, "r1", "eve", "日结300 薇 abc12345")
        await h.drain()
        assert [(k["member"], k["reason"]) for k in h.actions("kick")] == [("eve", "昵称含广告")]
        assert h.texts("r1")[-1] == "📢 这位成员 因昵称含广告已被移出群聊，请大家遵守群规。"


async def test_a_customer_with_a_number_in_the_name_is_only_logged(tmp_path: Path) -> None:
    """B-side customers put their trade and number in their names: the shipped customer
    type writes the audit log and nothing else."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _join(h, "c1", "wang", "王姐-装修-13800138000")
        await h.advance("1m")
        assert [r for r in h.sent if r["action"] == "dm" or "⚠️" in r.get("text", "")] == []
        assert await _audit(h, "flagged") == [
            ("wang", "names: 昵称含广告 [phone:13800138000]")]


async def test_an_ad_name_in_an_internship_group_is_a_case_once_per_name(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=INTERNSHIP) as h:
        await _join(h, "i1", "eve", AD_NAME)
        await h.advance("1m")
        [case] = h.actions("dm", to="op_lin")
        assert case["text"].splitlines()[1:3] == [f"成员：{AD_NAME}（eve）",
                                                  "原因：昵称含广告（wechat:abc12345）"]
        assert not [t for t in h.texts("i1") if t.startswith("⚠️")]
        await h.leave("i1", "eve")
        await _join(h, "i1", "eve", AD_NAME)
        await h.advance("1m")
        assert len(h.actions("dm", to="op_lin")) == 1  # the same name: no second case
        # the admin decides: /warn warns in the group with the case's reason
        code = case["text"].split()[2].split("（")[0]
        await h.say(None, "op_lin", f"/warn {code}")
        await h.advance("1m")
        assert [t for t in h.texts("i1") if t.startswith("⚠️")] == [
            "⚠️ 警告 (1/3)：昵称含广告。警告满 3 次将被移出群聊。"]


async def test_an_unreported_newcomer_is_read_at_the_first_message(tmp_path: Path) -> None:
    """The platform did not report the join: the core takes the first message for it."""
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        await h.advance("1m")  # the join backstop's first look: the group's starting point
        h.world.contacts["eve"] = AD_NAME
        h.world.join("r1", ["eve"])  # in the group; the platform says nothing
        await h.advance("1m")
        await h.say("r1", "eve", "大家好")
        await h.advance("1m")
        assert NAME_WARNING in h.texts("r1")


async def test_innocent_names_are_left_alone_and_ad_names_are_not(tmp_path: Path) -> None:
    """The corpus of names, in the strictest shipped type (recruitment: a warning)."""
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        for i, name in enumerate(INNOCENT_NAMES):
            await _join(h, "r1", f"m{i}", name)
        await h.drain()
        assert [t for t in h.texts("r1") if t.startswith(("⚠️", "📢"))] == []
        assert h.actions("dm") == [] and h.actions("kick") == []
        assert await _audit(h, "flagged") == [] and await _audit(h, "warn") == []
        for i, name in enumerate(AD_NAMES):
            await _join(h, "r1", f"ad{i}", name)
        await h.drain()
        assert sorted(member for member, _ in await _audit(h, "warn")) == sorted(
            f"ad{i}" for i in range(len(AD_NAMES)))


async def test_a_member_who_renames_to_an_ad_is_read_as_a_joining_one(tmp_path: Path) -> None:
    """Joining with a plain name and renaming to the ad a minute later (review r5 R5-10):
    the new name gets the same warning, once per name; a rename to another ad is warned
    again and removes at the limit."""
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        await _join(h, "r1", "eve", "小美")
        await h.advance("1m")
        await h.rename("r1", "eve", AD_NAME)
        await h.advance("1m")
        assert [(r["text"], r["mentions"]) for r in h.actions("say", group="r1")
                if r["text"].startswith("⚠️")] == [(NAME_WARNING, ["eve"])]
        await h.rename("r1", "eve", "小美")
        await h.rename("r1", "eve", AD_NAME)  # the same name again: not warned again
        await h.advance("1m")
        assert len([t for t in h.texts("r1") if t.startswith("⚠️")]) == 1
        await h.rename("r1", "eve", "日结300 薇 abc12345")
        await h.advance("1m")
        assert [k["member"] for k in h.actions("kick")] == ["eve"]


async def test_renames_to_innocent_names_and_by_members_an_admin_invited_are_left_alone(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        await _join(h, "r1", "vivi", "小薇")
        h.world.contacts["wang"] = "王姐"
        await h.join("r1", "wang", inviter="op_lin")
        await h.advance("1m")
        await h.rename("r1", "vivi", "vivi.love")
        await h.rename("r1", "wang", "王姐-装修-13800138000")
        await h.rename("r1", "op_lin", AD_NAME)
        await h.advance("1m")
        assert [t for t in h.texts("r1") if t.startswith("⚠️")] == []
        assert await _audit(h, "warn") == [] and h.actions("dm") == []


# ---------------------------------------------------------------- the keys


async def test_exempt_members_and_the_operators_own_ids_and_sites_are_not_read(
        tmp_path: Path) -> None:
    config = _config(tmp_path, """\
      exempt: [staff]
      links: {allow: [ting.example.com]}
      contacts: {allow: [kefu_2026]}
      names: {action: warn}""")
    async with Harness(config, tmp_path) as h:
        await _join(h, "r1", "staff", AD_NAME)
        await _join(h, "r1", "admin", AD_NAME)  # bot.yaml's admin
        await _join(h, "r1", "kefu", "客服小王 微信 kefu_2026")
        await _join(h, "r1", "site", "ting.example.com 小助手")
        await h.drain()
        assert await _audit(h, "warn") == [] and h.actions("dm") == []
        await _join(h, "r1", "eve", "客服小王 微信 kefu_2027")
        await h.drain()
        assert [member for member, _ in await _audit(h, "warn")] == ["eve"]


async def test_a_member_an_admin_invites_is_not_read(tmp_path: Path) -> None:
    """A partner whose name carries a number, brought in by an admin on purpose."""
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.contacts["wang"] = "王姐-装修-13800138000"
        await h.join("r1", "wang", inviter="op_lin")
        await h.advance("1m")
        assert [t for t in h.texts("r1") if t.startswith("⚠️")] == []
        assert await _audit(h, "warn") == [] and h.actions("dm") == []


async def test_a_name_that_is_the_members_id_is_not_read(tmp_path: Path) -> None:
    """The platform could not look the name up and gave the id: wxid_... has the shape of a
    WeChat id, and the member wrote nothing."""
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        await h.join("r1", "wxid_4k2j3h4k5j6l22", inviter="bob")
        await h.advance("1m")
        assert [t for t in h.texts("r1") if t.startswith("⚠️")] == []
        assert await _audit(h, "warn") == []


async def test_kick_removes_at_once_and_no_welcome_is_sent(tmp_path: Path) -> None:
    config = _config(tmp_path, "      names: {action: kick, reason: 昵称带推广}")
    async with Harness(config, tmp_path) as h:
        await _join(h, "r1", "eve", "免费领红包 qq 12345678")
        await h.drain()
        assert [(k["member"], k["reason"]) for k in h.actions("kick")] == [("eve", "昵称带推广")]
        assert h.texts("r1") == ["📢 这位成员 因昵称带推广已被移出群聊，请大家遵守群规。"]


@pytest.mark.parametrize("antispam, name", [
    ("      names: {look_for: [link, wechat]}", "代办信用卡 13800138000"),
    ("      contacts: {action: ignore}\n      names: {action: warn}", AD_NAME),
    ("      names: off", AD_NAME),
    ("      words: {lists: [{words: [约炮], reason: 低俗, severity: review}]}\n"
     "      names: {action: warn}", "约炮 私我"),
], ids=["not-looked-for", "detector-off", "names-off", "review-word"])
async def test_what_names_does_not_look_for_is_not_acted_on(
        tmp_path: Path, antispam: str, name: str) -> None:
    async with Harness(_config(tmp_path, antispam), tmp_path) as h:
        await _join(h, "r1", "eve", name)
        await h.drain()
        assert [t for t in h.texts("r1") if not t.startswith("欢迎")] == []
        assert h.actions("dm") == [] and await _audit(h, "flagged") == []
        assert h.actions("kick") == [] and await _audit(h, "warn") == []


@pytest.mark.no_store
@pytest.mark.parametrize("antispam, message", [
    ("      names: {look_for: [phone, fax]}", "names.look_for.1"),
    ("      names: {action: shout}", "names.action"),
    ("      names: {warning: '{nick}'}", "names.warning"),
])
def test_a_bad_names_setting_is_named(tmp_path: Path, antispam: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Harness(_config(tmp_path, antispam), tmp_path)
