"""`links.allow` and the operator's own e-mail addresses: an address at an allowed link
domain is the operator's own, unless the domain is a public mailbox provider's (qq.com,
163.com), where anyone has one (review s32a T2: `links.allow: [qq.com]` let every QQ-mail
ad through, and `check` said OK)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from harness import shipped_config
from pydantic import ValidationError

from bot.cli import main
from bot.contacts import own_address, public_mailboxes
from bot.events import Member, Message
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


@pytest.mark.parametrize("entry", [
    "www.example.com", "https://www.example.com/", "HTTPS://www.example.com:8443/price?a=1",
    "*.example.com", "www.example.com/", "example.com/price"])
def test_links_allow_takes_the_domain_of_an_address_a_wildcard_or_a_slash(entry: str) -> None:
    """What an operator pastes (the address bar's URL, a firewall's wildcard, a trailing
    slash) allows the site it names, not a look-alike (review s33b B1: it allowed nothing,
    and `check` was silent)."""
    antispam = Antispam(Config.model_validate({"links": {"allow": [entry]}}))

    def links(text: str) -> list[str]:
        event = Message(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), "g", Member("m", "m"), text)
        return [offence.detail for offence in antispam.detect(event, text)]

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
