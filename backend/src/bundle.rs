//! What the server knows about the built client bundle (`target/site/pkg`), read once at
//! start-up:
//!
//! - which files are **content-named**: the hash in the name is the hash of the bytes, so
//!   the name can never mean other bytes and the file may be cached for good. cargo-leptos
//!   names every file so, but a split build then writes the split loader's name into the
//!   main js and wasm without renaming them; their names stay while their bytes change, so
//!   they must be revalidated (`api::guards::cache_policy`). `make build` renames the main
//!   wasm after its bytes (`tools/content-names.mjs`); the main js keeps its stale name;
//! - the `Link` preload headers of a page with pieces of its own (`routes::PAGES_OF_THEIR_OWN`):
//!   a first visit fetches the pieces beside the main module instead of after it. (The split
//!   loader, which the main js imports, is not preloaded: measured with `make tti`, a
//!   `rel=modulepreload` of it on every page made `/login`'s first paint 130 to 180 ms later
//!   and its time to interactive no shorter.)
//!   Leptos 0.8 means to add the pieces as `<link>` tags, but its render looks the split
//!   manifest up outside the render's reactive owner and never finds it
//!   (leptos_integration_utils 0.8.9, `from_app`).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use axum::http::HeaderValue;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use leptos_config::LeptosOptions;
use md5::{Digest, Md5};

use wire::routes::PAGES_OF_THEIR_OWN;

#[derive(Debug, Default)]
pub struct SiteBundle {
    /// Request paths (`/pkg/…`) whose name carries the hash of their bytes.
    content_named: HashSet<String>,
    /// `rel=preload` of the pieces of each page of its own, by path.
    pieces: HashMap<&'static str, HeaderValue>,
}

impl SiteBundle {
    /// Reads the site's package directory; a missing one (tests, `cargo leptos watch` before
    /// its first build) is an empty bundle: nothing immutable, no preload headers.
    pub fn load(options: &LeptosOptions) -> Self {
        let pkg_dir = options.site_pkg_dir.as_ref();
        let pkg = Path::new(options.site_root.as_ref()).join(pkg_dir);
        let hashes = if options.hash_files {
            hash_file(options)
        } else {
            HashMap::new()
        };
        let manifest = hashes
            .get("manifest")
            .map(|hash| format!("__wasm_split_manifest.{hash}.json"))
            .unwrap_or_else(|| "__wasm_split_manifest.json".to_owned());
        let manifest = std::fs::read_to_string(pkg.join(manifest))
            .ok()
            .and_then(|text| match serde_json::from_str(&text) {
                Ok(manifest) => Some(manifest),
                Err(err) => {
                    tracing::warn!(%err, "the split manifest could not be read: no preload headers");
                    None
                }
            })
            .unwrap_or_default();
        Self {
            content_named: content_named_files(&pkg, pkg_dir),
            pieces: piece_preloads(&manifest, pkg_dir),
        }
    }

    /// Whether the file at this request path may be kept for good.
    pub fn is_content_named(&self, path: &str) -> bool {
        self.content_named.contains(path)
    }

    /// The `Link` preload header a page at `path` is sent with, if it has pieces.
    pub fn preload(&self, path: &str) -> Option<&HeaderValue> {
        self.pieces.get(wire::routes::page_of(path))
    }
}

/// The files whose name is `<stem>.<base64url md5 of the bytes>.<ext>`, as cargo-leptos's
/// `hash-files` names them. The precompressed `.br` and `.gz` beside a file are served under
/// the file's own path, so only the files themselves are looked at.
fn content_named_files(pkg: &Path, pkg_dir: &str) -> HashSet<String> {
    let Ok(entries) = std::fs::read_dir(pkg) else {
        return HashSet::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let mut parts = name.rsplit('.');
            let (_ext, hash) = (parts.next()?, parts.next()?);
            // 22 characters: 16 bytes of md5 in base64url; skips `.br`, `.gz` and the rest.
            if hash.len() != 22 {
                return None;
            }
            let bytes = std::fs::read(entry.path()).ok()?;
            (URL_SAFE_NO_PAD.encode(Md5::digest(&bytes)) == hash)
                .then(|| format!("/{pkg_dir}/{name}"))
        })
        .collect()
}

fn piece_preloads(
    manifest: &HashMap<String, Vec<String>>,
    pkg_dir: &str,
) -> HashMap<&'static str, HeaderValue> {
    PAGES_OF_THEIR_OWN
        .iter()
        .filter_map(|&(path, piece)| {
            let links = manifest.get(piece)?.iter().map(|module| {
                // `crossorigin`: the split loader `fetch`es the piece in CORS mode, and a
                // preload is only reused by a request of the same mode.
                format!(
                    "</{pkg_dir}/{module}.wasm>; rel=preload; as=fetch; \
                     type=\"application/wasm\"; crossorigin"
                )
            });
            let value = links.collect::<Vec<_>>().join(", ");
            Some((path, HeaderValue::from_str(&value).ok()?))
        })
        .collect()
}

/// The `file: hash` lines the build writes beside the server binary (`hash.txt`), as
/// leptos's `HydrationScripts` reads them.
fn hash_file(options: &LeptosOptions) -> HashMap<String, String> {
    let text = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(options.hash_file.as_ref())))
        .and_then(|path| std::fs::read_to_string(path).ok())
        .unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let (file, hash) = line.split_once(':')?;
            Some((file.trim().to_owned(), hash.trim().to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_page_of_its_own_preloads_the_modules_the_manifest_lists_for_it() {
        let manifest = HashMap::from([
            (
                "profile_page".to_owned(),
                vec![
                    "chunk_3.abc".to_owned(),
                    "split_profile_page.def".to_owned(),
                ],
            ),
            (
                "unrelated".to_owned(),
                vec!["split_unrelated.ghi".to_owned()],
            ),
        ]);
        let pieces = piece_preloads(&manifest, "pkg");
        assert_eq!(
            pieces["/profile"],
            "</pkg/chunk_3.abc.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin, \
             </pkg/split_profile_page.def.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin"
        );
        // Not in the manifest (a build without that piece): no header rather than an empty one.
        assert!(!pieces.contains_key("/dashboard"));
        assert!(!pieces.contains_key("/"));
    }

    #[test]
    fn only_a_file_whose_name_carries_the_hash_of_its_bytes_is_content_named() {
        let dir = std::env::temp_dir().join(format!("signout-bundle-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let hash = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(Md5::digest(bytes));
        let true_name = format!("piece.{}.wasm", hash(b"piece"));
        std::fs::write(dir.join(&true_name), b"piece").unwrap();
        // Named after other bytes: what a split build does to the main js.
        let stale_name = format!("main.{}.js", hash(b"main before the loader's name"));
        std::fs::write(dir.join(&stale_name), b"main with the loader's name").unwrap();
        std::fs::write(dir.join("favicon.svg"), b"<svg/>").unwrap();

        let named = content_named_files(&dir, "pkg");
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(named, HashSet::from([format!("/pkg/{true_name}")]));
    }
}
