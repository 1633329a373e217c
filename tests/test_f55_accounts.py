"""f55: a gateway token pasted as an account's `token_env` is refused at `check`, never
repeated (review s41 r51 finding 13)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import Account

TOKENS = ["insecure_0b6f1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d", "puppet_padlocal_0b6f1c2d3e4f5a6b",
          "x" * 65]


@pytest.mark.parametrize("token", TOKENS)
def test_a_token_as_token_env_is_refused_without_repeating_it(token: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Account(name="a", token_env=token)
    [error] = refused.value.errors()
    said = str(error["msg"])  # (what `check` prints: bot/yamlfile.py, without the input)
    assert "this is a token, not the name of the environment variable" in said
    assert token not in said and token[:20] not in said


@pytest.mark.parametrize("name", ["GROUPBOT_TOKEN_A", "GROUPBOT_TOKEN_SALES_REGION_NORTH_CHINA_1",
                                  "insecure", "PUPPET_TOKEN", "INSECURE_A"])
def test_a_variable_name_is_taken(name: str) -> None:
    assert Account(name="a", token_env=name).token_env == name
