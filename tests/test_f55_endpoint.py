"""f55: an endpoint pasted as a URL with a trailing slash reaches the gateway (review s41 r51
finding 8)."""

from __future__ import annotations

import pytest
from wechaty_puppet_service.utils import extract_host_and_port

from bot.adapters.wechaty import check_endpoint


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:8788/", "127.0.0.1:8788/",
                                      " https://127.0.0.1:8788/ "])
def test_one_trailing_slash_is_dropped(endpoint: str) -> None:
    assert extract_host_and_port(check_endpoint(endpoint)) == ("127.0.0.1", 8788)


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:8788//", "http://gateway/",
                                      "127.0.0.1:8788/grpc"])
def test_more_than_a_slash_is_still_refused(endpoint: str) -> None:
    with pytest.raises(ValueError, match="must be host:port"):
        check_endpoint(endpoint)
