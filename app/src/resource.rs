//! Resources whose values cross from the server's render to the browser as JSON read by
//! the same reader as server functions' answers.
//!
//! Why not leptos's default codec: codee's `JsonSerdeCodec` reads with
//! `serde_json::from_str`, and server_fn's JSON answers are read with `from_slice`. Each
//! reader is its own instantiation of every type's deserialiser, so the wasm held two
//! copies of each (before wasm-opt: 54 kB of code through `SliceRead`, 52 kB through
//! `StrRead`). `Json` reads the resource's string as bytes, through `from_slice`, so
//! there is one.

use std::future::Future;

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// JSON, read by `serde_json::from_slice` (see the module).
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(encoded.as_bytes())
    }
}

/// `Resource::new` with the `Json` codec.
#[track_caller]
pub fn resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, Json>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_it_encodes_it_decodes() {
        let value = (String::from("é \"quoted\""), vec![1_u32, 2], Some(true));
        let encoded = <Json as Encoder<_>>::encode(&value).unwrap();
        let decoded: (String, Vec<u32>, Option<bool>) = Json::decode(&encoded).unwrap();
        assert_eq!(decoded, value);
        assert!(<Json as Decoder<u32>>::decode("not json").is_err());
    }
}
