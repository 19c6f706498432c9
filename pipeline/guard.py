"""The address guard: only http(s), and never a host that resolves to this machine, the local
network or a cloud metadata service — checked before every connection, redirect hops included.

A feed or page link is outside input: without the guard, a feed could point the crawler at
`http://169.254.169.254/latest/meta-data/` or an admin page on the LAN. Hosts in
`Settings.allow_hosts` (a name or address, optionally with `:port`) are exempt: the bundled
sample and the tests serve on 127.0.0.1.

The check resolves the name itself (getaddrinfo) and refuses if *any* address is blocked; the
HTTP client then resolves again, so a DNS answer that changes between the two (rebinding) is not
covered — a proxy that pins addresses is the stronger fix if that matters.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

#: Cloud metadata endpoints, refused by name even where an address range would not catch them.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean
    "169.254.170.2",  # AWS ECS task metadata
    "fd00:ec2::254",  # AWS IMDS over IPv6
    "100.100.100.200",  # Alibaba Cloud
    "192.0.0.192",  # Oracle Cloud
))
METADATA_NAMES = frozenset({"metadata.google.internal", "metadata", "instance-data"})


class BlockedAddress(Exception):
    """The URL may not be fetched; the message says which host and why."""

    def __init__(self, error_class: str, message: str) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.message = message


def blocked_reason(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address may not be contacted, or None when it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return blocked_reason(ip.ipv4_mapped)
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for attr, why in (("is_loopback", "loopback"), ("is_link_local", "link-local"),
                      ("is_multicast", "multicast"), ("is_unspecified", "unspecified"),
                      ("is_reserved", "reserved"), ("is_private", "private")):
        if getattr(ip, attr):
            return f"a {why} address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"):
        return "a shared (carrier-grade NAT) address"
    if not ip.is_global:
        return "not a global address"
    return None


def allowed(host: str, port: int, allow_hosts: Iterable[str]) -> bool:
    """Whether host (or host:port) is on the allowlist."""
    host = host.lower().strip("[]")
    for entry in allow_hosts:
        entry = entry.strip().lower()
        name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if not entry_port:
            name = entry
        if name.strip("[]") == host and (not entry_port or entry_port == str(port)):
            return True
    return False


def check_url(url: str, allow_hosts: Iterable[str] = ()) -> None:
    """Raise BlockedAddress unless `url` is http(s) and its host resolves only to public
    addresses (or is allowlisted)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise BlockedAddress("bad_url", f"invalid URL {url!r}: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise BlockedAddress("bad_url", f"only http(s) URLs are fetched, not {parts.scheme or 'none'}:")
    host = parts.hostname
    if not host:
        raise BlockedAddress("bad_url", f"URL {url!r} has no host")
    if allowed(host, port, allow_hosts):
        return
    if host.rstrip(".") in METADATA_NAMES:
        raise BlockedAddress("blocked_address", f"host {host} is a cloud metadata service")
    for ip in resolve(host, port):
        reason = blocked_reason(ip)
        if reason:
            shown = host if host == str(ip) else f"{host} ({ip})"
            raise BlockedAddress("blocked_address", f"host {shown} is {reason}; "
                                 "add it to allow_hosts (--allow-host) to fetch it")


def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address the name resolves to (an IP literal is itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise BlockedAddress("connection_error", f"cannot resolve host {host}: {exc}") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
