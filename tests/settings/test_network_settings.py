"""general_settings.allowed_ips and trusted_proxies: CIDRs (IPv4, IPv6) checked at start-up."""

from __future__ import annotations

import pytest

from gateway.settings import ConfigError, load_settings


def general(**values) -> dict:
    return {"general_settings": values}


def test_cidrs_are_read_in_canonical_form():
    s = load_settings(
        raw=general(allowed_ips=["10.0.0.1", "2001:DB8::/32", "10.0.0.1"], trusted_proxies=["127.0.0.1/32"]),
        environ={},
    )
    assert s.allowed_ips == ("10.0.0.1/32", "2001:db8::/32")
    assert s.trusted_proxies == ("127.0.0.1/32",)
    assert "general_settings.allowed_ips" not in s.ignored  # implemented now, no longer reported


def test_defaults_allow_anywhere_and_trust_no_proxy():
    s = load_settings(raw={}, environ={})
    assert s.allowed_ips == () and s.trusted_proxies == ()


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        (general(allowed_ips=["10.0.0.1/8"]), "general_settings.allowed_ips[0]: '10.0.0.1/8' has host bits set; did you mean 10.0.0.0/8?"),
        (general(trusted_proxies=["proxy.internal"]), "general_settings.trusted_proxies[0]: 'proxy.internal' is not an IP address or CIDR"),
        (general(allowed_ips="10.0.0.0/8"), "general_settings.allowed_ips: must be a list of IP addresses or CIDRs, got '10.0.0.0/8'"),
    ],
)  # fmt: skip
def test_a_bad_entry_stops_start_up_naming_it(raw, line):
    with pytest.raises(ConfigError) as info:
        load_settings(raw=raw, environ={})
    assert str(info.value) == f"config error in <config>: {line}"
