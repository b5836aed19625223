//! A resource's value, once loaded.

use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

use crate::components::resource::Res;
use crate::error::AppError;

/// Renders the value of `resource` with `children` (`let:value`); a failure shows the one
/// error alert every page uses. While it reloads, the previous value stays (a `Transition`).
#[component]
pub fn Loaded<T, F, V>(
    resource: Res<Result<T, AppError>>,
    /// What shows before the first answer.
    #[prop(default = "Carregando…")]
    loading: &'static str,
    children: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Transition fallback=move || {
            view! { <p class="muted">{loading}</p> }
        }>
            {move || {
                resource
                    .get()
                    .map(|r| match r {
                        Err(e) => {
                            view! {
                                <div class="alert alert-error" role="alert">
                                    {e.to_string()}
                                </div>
                            }
                                .into_any()
                        }
                        Ok(value) => children(value).into_any(),
                    })
            }}
        </Transition>
    }
}
