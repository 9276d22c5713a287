import pytest
from hypothesis import given
from hypothesis import strategies as st

from zikao_kit.network import TrustedProxies, client_address
from zikao_kit.serve import trusted_proxies

GATEWAY = TrustedProxies.parse("127.0.0.1, 10.0.0.0/8")
addresses = st.ip_addresses().map(str)


@given(forged=st.lists(addresses, max_size=5).map(", ".join))
def test_an_untrusted_peer_is_the_client_whatever_it_writes(forged: str) -> None:
    assert client_address("203.0.113.9", forged, GATEWAY) == "203.0.113.9"


@given(forged=st.lists(addresses, max_size=5).map(", ".join))
def test_behind_the_gateway_only_what_it_appended_counts(forged: str) -> None:
    header = f"{forged}, 198.51.100.7" if forged else "198.51.100.7"
    assert client_address("127.0.0.1", header, GATEWAY) == "198.51.100.7"


def test_chains_of_trusted_proxies_are_walked_from_the_right() -> None:
    header = "6.6.6.6, 198.51.100.7, 10.1.2.3"
    assert client_address("127.0.0.1", header, GATEWAY) == "198.51.100.7"


def test_a_trusted_peer_without_a_header_is_the_client() -> None:
    assert client_address("127.0.0.1", None, GATEWAY) == "127.0.0.1"
    assert client_address(None, None, GATEWAY) == "unknown"


def test_no_proxies_trusted_by_setting() -> None:
    assert client_address("127.0.0.1", "198.51.100.7", TrustedProxies.parse("")) == "127.0.0.1"


def test_a_malformed_list_is_refused() -> None:
    with pytest.raises(ValueError, match="does not appear"):
        TrustedProxies.parse("127.0.0.1, gateway")


def test_uvicorn_gets_the_same_list() -> None:
    assert GATEWAY.uvicorn_value == "127.0.0.1/32,10.0.0.0/8"


def test_uvicorn_is_served_the_apps_own_proxy_setting() -> None:
    assert trusted_proxies("ZIKAO_TRUSTED_PROXIES", {}).trusts("127.0.0.1")
    assert not trusted_proxies("GATEWAY_TRUSTED_PROXIES", {}).networks
    env = {"ZIKAO_TRUSTED_PROXIES": "172.28.0.40"}
    assert trusted_proxies("ZIKAO_TRUSTED_PROXIES", env).uvicorn_value == "172.28.0.40/32"
