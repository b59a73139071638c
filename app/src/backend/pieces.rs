//! `Link: rel=preload` headers for the pages whose client code is a piece of its own
//! (`routes::PAGES_OF_THEIR_OWN`): on a first visit to one, the browser fetches the piece
//! beside the main bundle, instead of only once the main bundle runs and asks for it.
//!
//! Leptos 0.8 means to add these as `<link>` tags, but its render looks the split manifest up
//! outside the render's reactive owner and never finds it (leptos_integration_utils 0.8.9,
//! `from_app`). A response header needs nothing from the render, and nothing to hydrate.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use axum::http::HeaderValue;
use leptos::config::LeptosOptions;

use crate::routes::PAGES_OF_THEIR_OWN;

/// The `Link` header value of each page of its own, by path. Empty for a build that is not
/// split (`cargo leptos watch`), which has no manifest.
#[derive(Debug, Default)]
pub struct PiecePreloads(HashMap<&'static str, HeaderValue>);

impl PiecePreloads {
    /// Reads the split manifest the build wrote into the site's package directory.
    pub fn load(options: &LeptosOptions) -> Self {
        let pkg = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
        let Some(manifest) = manifest_file(options)
            .map(|name| pkg.join(name))
            .and_then(|path| std::fs::read_to_string(path).ok())
        else {
            return Self::default();
        };
        match serde_json::from_str::<HashMap<String, Vec<String>>>(&manifest) {
            Ok(pieces) => Self::from_manifest(&pieces, options.site_pkg_dir.as_ref()),
            Err(err) => {
                tracing::warn!(%err, "the split manifest could not be read: no preload headers");
                Self::default()
            }
        }
    }

    fn from_manifest(manifest: &HashMap<String, Vec<String>>, pkg_dir: &str) -> Self {
        let headers = PAGES_OF_THEIR_OWN
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
            .collect();
        Self(headers)
    }

    pub fn for_path(&self, path: &str) -> Option<&HeaderValue> {
        self.0.get(path)
    }
}

/// The manifest's file name: with hashed file names (`hash-files`), the build records its
/// hash in the hash file beside the server binary, as leptos's `HydrationScripts` reads it.
fn manifest_file(options: &LeptosOptions) -> Option<String> {
    if !options.hash_files {
        return Some("__wasm_split_manifest.json".to_owned());
    }
    let exe_dir = std::env::current_exe().ok()?.parent()?.to_path_buf();
    let hashes =
        std::fs::read_to_string(PathBuf::from(exe_dir).join(options.hash_file.as_ref())).ok()?;
    hashes.lines().find_map(|line| {
        let (file, hash) = line.split_once(':')?;
        (file.trim() == "manifest").then(|| format!("__wasm_split_manifest.{}.json", hash.trim()))
    })
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
        let preloads = PiecePreloads::from_manifest(&manifest, "pkg");
        assert_eq!(
            preloads.for_path("/profile").unwrap(),
            "</pkg/chunk_3.abc.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin, \
             </pkg/split_profile_page.def.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin"
        );
        // Not in the manifest (a build without that piece): no header rather than an empty one.
        assert!(preloads.for_path("/dashboard").is_none());
        assert!(preloads.for_path("/").is_none());
    }
}
