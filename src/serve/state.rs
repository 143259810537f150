//! The site being served: an immutable snapshot swapped in whole after each
//! rebuild (a request never sees a half-built site), and what a long-poll
//! waits on for the next one.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use tokio::sync::watch;

use super::paths::{base_site_path, href};

/// The served files, by path below `html/`.
pub type Files = BTreeMap<String, Arc<[u8]>>;

/// One version of the site.
pub struct Snapshot {
    /// Counts every rebuild, good or bad.
    pub epoch: u64,
    /// Files below `html/`, by path.
    pub files: Arc<Files>,
    /// Whether the last rebuild succeeded (else `files` is the last good site).
    pub ok: bool,
    /// `__gtdocs/status` as JSON.
    pub status: String,
}

/// Which `Host` a request may name. A page on another site can make a
/// browser send requests here under its own name (DNS rebinding), so only
/// loopback names, the bound address and the names the user allowed are
/// answered.
#[derive(Debug, Clone)]
pub struct Hosts {
    /// The address listened on.
    pub bound: IpAddr,
    /// `--allow-host` names, lower-cased.
    pub allowed: Vec<String>,
}

impl Hosts {
    pub fn new(bound: IpAddr, allowed: &[String]) -> Self {
        Hosts {
            bound,
            allowed: allowed
                .iter()
                .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
                .collect(),
        }
    }

    /// Whether `host` (a `Host` header or the authority of an absolute
    /// request target: a name or address, with an optional port) is one
    /// this server answers for.
    pub fn allows(&self, host: &str) -> bool {
        let Some(name) = host_name(host) else {
            return false;
        };
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if let Ok(ip) = name.parse::<IpAddr>() {
            // An address is no DNS name, so it cannot be rebound; bound to
            // every interface, each of their addresses reaches this server.
            return ip.is_loopback() || ip == self.bound || self.bound.is_unspecified();
        }
        name == "localhost" || name.ends_with(".localhost") || self.allowed.contains(&name)
    }
}

/// The name or address of `host` without its port (`[::1]:4000` → `::1`),
/// or `None` if it is not of that form.
fn host_name(host: &str) -> Option<&str> {
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => {
            let (inside, after) = rest.split_once(']')?;
            let port = if after.is_empty() {
                ""
            } else {
                after.strip_prefix(':')?
            };
            (inside, port)
        }
        None => match host.split_once(':') {
            Some((name, port)) => (name, port),
            None => (host, ""),
        },
    };
    let port_ok = port.bytes().all(|b| b.is_ascii_digit());
    (!name.is_empty() && port_ok).then_some(name)
}

pub struct Shared {
    /// As configured, as the site's pages write it in their links.
    pub base_url: String,
    /// `base_url` decoded, as request paths are compared: `my docs/`.
    pub base_path: String,
    /// `base_url` percent-encoded: the printed URL, `Location` headers.
    pub base_href: String,
    pub hosts: Hosts,
    /// The current snapshot; long-polls wait for it to change.
    current: watch::Sender<Arc<Snapshot>>,
}

impl Shared {
    pub fn new(base_url: String, hosts: Hosts, first: Snapshot) -> Self {
        let base_path = base_site_path(&base_url);
        Shared {
            base_href: href(&base_path),
            base_path,
            base_url,
            hosts,
            current: watch::Sender::new(Arc::new(first)),
        }
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.current.borrow())
    }

    /// Swaps in a new version; every waiting long-poll sees it.
    pub fn publish(&self, next: Snapshot) {
        self.current.send_replace(Arc::new(next));
    }

    /// The versions swapped in from now on, for a long-poll to wait on.
    pub fn subscribe(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.current.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_loopback_names_the_bound_address_and_allowed_names() {
        let hosts = Hosts::new("127.0.0.1".parse().unwrap(), &["Preview.Example.".into()]);
        for ok in [
            "localhost",
            "localhost:4000",
            "LOCALHOST.:4000",
            "docs.localhost",
            "127.0.0.1",
            "127.0.0.1:4000",
            "127.1.2.3:80",
            "[::1]",
            "[::1]:4000",
            "preview.example",
            "preview.example:8080",
        ] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for bad in [
            "",
            "evil.example",
            "evil.example:4000",
            "localhost.evil.example",
            "10.0.0.5",
            "[::2]:4000",
            "[::1",
            "[::1]x",
            "::1",
            "localhost:x",
            "127.0.0.1:4000:1",
            "preview.example.evil",
        ] {
            assert!(!hosts.allows(bad), "{bad}");
        }
        let any = Hosts::new("0.0.0.0".parse().unwrap(), &[]);
        assert!(any.allows("10.0.0.5:4000"));
        assert!(!any.allows("evil.example"));
        let lan = Hosts::new("192.168.1.7".parse().unwrap(), &[]);
        assert!(lan.allows("192.168.1.7:4000"));
        assert!(!lan.allows("192.168.1.8:4000"));
    }
}
