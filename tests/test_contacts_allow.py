"""`links.allow` and the operator's own e-mail addresses: an address at an allowed link
domain is the operator's own, unless the domain is a public mailbox provider's (qq.com,
163.com), where anyone has one (review s32a T2: `links.allow: [qq.com]` let every QQ-mail
ad through, and `check` said OK)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from harness import shipped_config
from pydantic import ValidationError

from bot.cli import main
from bot.contacts import own_address, public_mailboxes
from bot.events import Kind, Member, Message
from handlers.antispam import Antispam, Config, Links

SITES = ["ting.example.com", "qq.com", "163.com"]


@pytest.mark.parametrize("address", ["hr@ting.example.com", "help@edu.ting.example.com"])
def test_an_address_at_an_allowed_link_domain_is_the_operators_own(address: str) -> None:
    assert own_address(address, SITES)


@pytest.mark.parametrize(
    "address", ["12345678@qq.com", "kefu@vip.qq.com", "job2026@163.com", "x@vip.163.com",
                "hr@tingexample.com", "hr@ting.example.com.evil.cn"])
def test_an_address_at_a_public_mailbox_or_another_domain_is_nobodys_own(address: str) -> None:
    assert not own_address(address, SITES)


def test_a_domain_is_told_by_the_public_mailboxes_it_holds() -> None:
    assert public_mailboxes("qq.com") == ["qq.com", "vip.qq.com"]
    assert public_mailboxes("gmail.com") == ["gmail.com"]
    assert public_mailboxes("docs.qq.com") == []  # QQ's documents: nobody's mail
    assert public_mailboxes("ting.example.com") == []


def _with_sites(tmp_path: Path) -> Path:
    root = shipped_config(tmp_path)
    base = root / "types" / "base.yaml"
    text = base.read_text(encoding="utf-8")
    assert "allow: [ting.example.com]" in text
    base.write_text(text.replace("allow: [ting.example.com]",
                                 "allow: [ting.example.com, qq.com, 163.com]", 1),
                    encoding="utf-8")
    return root


def test_public_mailbox_addresses_are_caught_though_their_domain_is_allowed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "c.yaml"
    corpus.write_text("cases:\n" + "".join(
        f'  - {{family: {family}, flag: {flag}, text: "{text}"}}\n' for family, flag, text in [
            ("email", "true", "兼职日结，简历发 12345678@qq.com"),
            ("email", "true", "想赚钱的发邮件到 job2026@163.com"),
            ("email", "true", "日结300 联系 kefu_2026@vip.qq.com"),
            ("email", "false", "简历发到官方邮箱 hr@ting.example.com 就行"),
            ("link", "false", "报名表在 https://docs.qq.com/form/abc123 填一下"),
        ]), encoding="utf-8")
    code = main(["moderation", "test", "--config", str(_with_sites(tmp_path)), "--type",
                 "recruitment", str(corpus)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "all                    3/3     100%         2        0" in out


def test_check_warns_about_a_public_mailbox_domain_in_links_allow(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _with_sites(tmp_path)
    assert main(["check", "--config", str(root)]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines()
                if "links.allow" in line]
    assert len(warnings) == 2, warnings
    assert any("links.allow[1]: qq.com is a public mailbox domain: links to it are allowed, "
               "but e-mail addresses at it still count as contact details" in w
               for w in warnings)
    assert any("links.allow[2]: 163.com is a public mailbox domain" in w for w in warnings)


def _links_with(allow: list[str]) -> Callable[..., list[str]]:
    antispam = Antispam(Config.model_validate({"links": {"allow": allow}}))

    def links(text: str, url: str | None = None) -> list[str]:
        event = Message(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), "g", Member("m", "m"), text,
                        kind=Kind.LINK if url else Kind.TEXT, url=url)
        return [offence.detail for offence in antispam.detect(event, text)
                if offence.detector == "links"]
    return links


@pytest.mark.parametrize("entry", [
    "www.example.com", "https://www.example.com/", "HTTPS://www.example.com:8443/",
    "*.example.com", "www.example.com/", "https://www.example.com/#top"])
def test_links_allow_takes_the_domain_of_an_address_a_wildcard_or_a_slash(entry: str) -> None:
    """What an operator pastes (the address bar's URL, a firewall's wildcard, a trailing
    slash) allows the site it names, not a look-alike (review s33b B1: it allowed nothing,
    and `check` was silent)."""
    links = _links_with([entry])
    assert links("官网在这里 https://www.example.com/price 大家看看") == []
    assert links("或者 www.example.com") == []
    assert links("看这个 https://www.example.com.evil.io/price") == [
        "link:www.example.com.evil.io"]
    assert links("看这个 badexample.com") == ["link:badexample.com"]


def test_links_allow_keeps_a_mini_program_name_and_refuses_an_address_without_a_site() -> None:
    assert Links.model_validate({"allow": ["倾听学院", "wx0123456789abcdef"]}).allow == [
        "倾听学院", "wx0123456789abcdef"]
    with pytest.raises(ValidationError, match="'https://' names no domain"):
        Links.model_validate({"allow": ["https://"]})



@pytest.mark.parametrize("entry, suffix", [
    ("*.com.cn", ".com.cn"), ("*.cn", ".cn"), ("https://co.uk/", ".co.uk"), ("COM.HK", ".com.hk"),
    ("*.com", ".com"), ("*.github.io", ".github.io")])
def test_links_allow_refuses_a_wildcard_over_what_anyone_can_register(
        entry: str, suffix: str) -> None:
    """`*.com.cn` allowed every .com.cn site (https://evil.com.cn/pay passed) (review s33c
    C6): an entry that is a public suffix or a single label is refused, naming it."""
    with pytest.raises(ValidationError, match=re.escape(
            f"{entry!r} would allow every site under {suffix}, which anyone can register")):
        Links.model_validate({"allow": [entry]})
    assert Links.model_validate({"allow": ["*.example.com.cn", "www.example.cn"]}).allow == [
        "example.com.cn", "www.example.cn"]


def test_links_allow_takes_second_levels_only_schools_or_governments_register() -> None:
    """`*.edu.cn` and `*.gov.cn` were refused as what "anyone can register" (review s33e E4)."""
    assert Links.model_validate({"allow": ["*.edu.cn", "*.gov.hk", "*.ac.uk"]}).allow == [
        "edu.cn", "gov.hk", "ac.uk"]


ARTICLE = "https://mp.weixin.qq.com/s/Xk3_OurCourseIntro"


@pytest.mark.parametrize("entry", [ARTICLE, "mp.weixin.qq.com/s/Xk3_OurCourseIntro#rd"])
def test_an_address_with_a_path_allows_the_pages_under_it_not_the_whole_host(
        entry: str) -> None:
    """The operator's own 公众号 article pasted into `links.allow` allows that article, not
    every article on mp.weixin.qq.com, where anyone publishes (review s33d D2: an ad
    account's article passed, in a text or a link card)."""
    links = _links_with(["ting.example.com", entry])
    assert links(f"我们的课程介绍 {ARTICLE}，欢迎大家看看") == []
    assert links(f"课程介绍：{ARTICLE}/ 和 www.mp.weixin.qq.com/s/Xk3_OurCourseIntro?x=1") == []
    assert links("课程介绍", url=ARTICLE) == []
    spam = "https://mp.weixin.qq.com/s/Zz9_RebateJob2026"
    assert links(f"兼职日结300，详情看 {spam}") == ["link:mp.weixin.qq.com"]
    assert links("手机兼职日结300元", url=spam) == ["link:mp.weixin.qq.com"]
    assert links(f"{ARTICLE} 还有这个 {spam}") == ["link:mp.weixin.qq.com"]
    assert links(f"{ARTICLE}2026") == ["link:mp.weixin.qq.com"]  # no `/` boundary
    assert links("看 mp.weixin.qq.com") == ["link:mp.weixin.qq.com"]
    assert links("看 https://mp.weixin.qq.com.evil.io/s/Xk3_OurCourseIntro") == [
        "link:mp.weixin.qq.com.evil.io"]
    assert links("看 https://mpweixin.qq.com/s/Xk3_OurCourseIntro") == ["link:mpweixin.qq.com"]
    assert links("看 https://ting.example.com/anything") == []
    # a path that goes up a level opens another article (review s33e E2)
    for sneaky in (f"{ARTICLE}/../Zz9_RebateJob2026", f"{ARTICLE}/%2e%2e/Zz9_RebateJob2026",
                   f"{ARTICLE}/%2E%2E/Zz9_RebateJob2026"):
        assert links(f"兼职日结300 {sneaky}") == ["link:mp.weixin.qq.com"], sneaky
        assert links("兼职日结300", url=sneaky) == ["link:mp.weixin.qq.com"], sneaky


def test_an_address_with_a_path_and_query_allows_that_address_and_longer_ones() -> None:
    entry = "https://www.example.com:8443/price?a=1"
    assert Links.model_validate({"allow": [entry]}).allow == ["www.example.com/price?a=1"]
    links = _links_with([entry])
    assert links("看 https://example.com/price?a=1&b=2") == []
    assert links("看 https://www.example.com/price?a=2") == ["link:www.example.com"]
    assert links("看 https://www.example.com/") == ["link:www.example.com"]
