//! Live pages: a signal bumped whenever the server says task runs or queued messages changed.

use leptos::prelude::*;

/// Where the server streams its `change` events (server-sent events, session cookie).
pub const EVENTS_URL: &str = "/api/events";

/// A counter that goes up on every `change` event of [`EVENTS_URL`]. Key a page's resources on
/// it and they refetch when the queue or the task runs change. In the browser only: on the
/// server (and before hydration) it stays at 0, so the first render matches. The stream is
/// closed when the calling component is cleaned up; after a lost connection the browser
/// reconnects by itself and the counter goes up once, since changes may have been missed.
pub fn live_changes() -> ReadSignal<u64> {
    let tick = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    connect(tick);
    tick.read_only()
}

#[cfg(feature = "hydrate")]
fn connect(tick: RwSignal<u64>) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    let Ok(source) = web_sys::EventSource::new(EVENTS_URL) else {
        return;
    };
    let bump = move || {
        tick.try_update(|n| *n += 1);
    };
    let on_change = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| bump());
    let opened = std::cell::Cell::new(false);
    let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        if opened.replace(true) {
            bump();
        }
    });
    let _ = source.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("open", on_open.as_ref().unchecked_ref());
    // Cleanups run before the owner's values are dropped: close first, then the callbacks go.
    let held = StoredValue::new_local((source, on_change, on_open));
    on_cleanup(move || {
        held.try_with_value(|(source, _, _)| source.close());
    });
}
