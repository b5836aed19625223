//! The hydrate entry: the WASM bundle that takes over the server-rendered page.

// Leptos view types of the larger pages nest deeper than the default limit.
#![recursion_limit = "256"]

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    else {
        return;
    };
    // The signed-in pages are lazy routes: hydration waits for the page's chunks, so it is
    // asynchronous (what `leptos::mount::hydrate_lazy` does, but with its end observable).
    wasm_bindgen_futures::spawn_local(async move {
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        // Lets tests (and curious admins) see that the page is live.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
