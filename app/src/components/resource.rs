//! Resources whose server-rendered values the browser decodes with the reader the server
//! functions' answers use (`serde_json::from_slice`). With Leptos' default codec
//! (`from_str`) the bundle carried a second decoder of every answer type (~175 KB of the
//! 1.9 MB WASM).

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};

/// JSON, decoded from the bytes of the string.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(value: &str) -> Result<T, Self::Error> {
        serde_json::from_slice(value.as_bytes())
    }
}

/// A [`Resource`] with the [`Json`] codec.
pub type Res<T> = Resource<T, Json>;

/// `Resource::new`, with the [`Json`] codec.
#[track_caller]
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Res<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

/// `OnceResource::new`, with the [`Json`] codec.
#[track_caller]
pub fn once<T>(fut: impl std::future::Future<Output = T> + Send + 'static) -> OnceResource<T, Json>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    OnceResource::new_with_options(fut, false)
}
