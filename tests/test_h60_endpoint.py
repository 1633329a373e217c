"""h60: an account's `endpoint:` in bot.yaml is read as WECHATY_PUPPET_SERVICE_ENDPOINT is,
by one function: a URL and a trailing `/` are taken by both (f55 noticed bot.yaml refused
them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from test_accounts import write_config
from wechaty_puppet_service.utils import extract_host_and_port

from bot import config
from bot.adapters.wechaty import check_endpoint
from bot.yamlfile import InputError
from handlers import REGISTRY


def _in_bot_yaml(endpoint: str) -> str | None:
    """The endpoint as bot.yaml's accounts take it; None if refused."""
    try:
        account = config.Account.model_validate(
            {"name": "a", "token_env": "T_A", "endpoint": endpoint})
    except ValidationError:
        return None
    return account.endpoint


def _in_the_variable(endpoint: str) -> str | None:
    try:
        return check_endpoint(endpoint)
    except ValueError:
        return None


@pytest.mark.parametrize("endpoint", ["http://10.0.0.5:8788", "10.0.0.5:8788/",
                                      "https://10.0.0.5:8788/", " HTTP://10.0.0.5:8788 "])
def test_a_url_in_bot_yaml_is_its_host_and_port(endpoint: str) -> None:
    assert _in_bot_yaml(endpoint) == "10.0.0.5:8788"


@pytest.mark.parametrize("endpoint", [
    "10.0.0.5:8788", "gateway:8788", "http://10.0.0.5:8788/", "[::1]:8788", "GW:08788",
    # refused by both
    "10.0.0.5", "8788", ":8788", "host:port", "host:70000", "host:0", "http://gateway",
    "http://10.0.0.5:8788//", "10.0.0.5:8788/grpc", "ftp://10.0.0.5:8788", "my host:8788",
    "::1:8788", ""])
def test_bot_yaml_and_the_variable_read_an_endpoint_alike(endpoint: str) -> None:
    taken = _in_the_variable(endpoint)
    assert _in_bot_yaml(endpoint) == taken
    if taken is not None:  # the port the library connects to is the one written
        assert extract_host_and_port(taken)[1] == int(taken.rsplit(":", 1)[1])


def test_a_url_and_a_host_port_of_one_gateway_clash(tmp_path: Path) -> None:
    """Two processes of one WeChat would both answer its private chats."""
    root = write_config(tmp_path / "config", accounts=[
        {"name": "a", "token_env": "T_A", "endpoint": "gw:8788"},
        {"name": "b", "token_env": "T_B", "endpoint": "http://gw:8788/"}])
    with pytest.raises(InputError) as caught:
        config.load(root, REGISTRY)
    [problem] = caught.value.problems
    assert str(problem).endswith("accounts[1].endpoint: 'gw:8788' is already the endpoint of "
                                 "account 'a': each account needs its own")
