//! Where webhooks may be sent. An admin sets the URL, but the server sends from inside the
//! operator's network: a URL naming localhost, a cloud metadata address (169.254.169.254) or a
//! private service would let anyone holding an admin account (or a stolen one) reach and probe
//! what should be unreachable (server-side request forgery). So by default every address a
//! webhook host resolves to must be public. The check sits in the client's resolver, at connect
//! time, so a name that resolves to a public address when saved and a private one later (DNS
//! rebinding) is still refused; IP literals skip resolvers and are checked before sending.
//! `HANDOFF_WEBHOOK_PRIVATE_ADDRESSES=true` allows private targets (a platform on the same
//! network, and the test suite's local receivers).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether `ip` is an address on the public internet (not loopback, private, link-local,
/// shared, documentation, multicast or unspecified; IPv4-mapped IPv6 judged as IPv4).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => {
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local())
            }
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let shared = a == 100 && (64..128).contains(&b); // 100.64.0.0/10, carrier-grade NAT
    let this_network = a == 0; // 0.0.0.0/8
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || shared
        || this_network)
}

/// The refusal for a URL whose host is a non-public IP literal, if it is one.
pub fn literal_refusal(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let ip: IpAddr = match parsed.host()? {
        url::Host::Ipv4(v4) => v4.into(),
        url::Host::Ipv6(v6) => v6.into(),
        url::Host::Domain(_) => return None,
    };
    (!is_public(ip)).then(|| format!("{ip} is not a public address"))
}

/// A resolver that answers only with public addresses.
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found.iter().copied().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                let reason = if found.is_empty() { "no address" } else { "only private addresses" };
                return Err(format!("{host} resolves to {reason}; webhooks go to public addresses only").into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for text in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.10",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(text.parse().unwrap()), "{text}");
        }
        for text in ["93.184.216.34", "8.8.8.8", "100.128.0.1", "2606:4700::1111", "::ffff:1.1.1.1"] {
            assert!(is_public(text.parse().unwrap()), "{text}");
        }
    }

    #[test]
    fn ip_literals_are_judged_before_sending_and_names_are_left_to_the_resolver() {
        assert!(literal_refusal("http://127.0.0.1:8080/hook").is_some());
        assert!(literal_refusal("http://[::1]/hook").is_some());
        assert!(literal_refusal("https://169.254.169.254/latest/meta-data").is_some());
        assert!(literal_refusal("https://8.8.8.8/hook").is_none());
        assert!(literal_refusal("https://hooks.example.com/x").is_none());
    }

    #[tokio::test]
    async fn the_resolver_refuses_a_name_that_resolves_to_loopback() {
        let name: Name = "localhost".parse().unwrap();
        let answer = PublicOnly.resolve(name).await;
        let error = answer.err().expect("localhost is refused").to_string();
        assert!(error.contains("public addresses only"), "{error}");
    }
}
