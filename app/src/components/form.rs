use leptos::prelude::*;

use crate::error::AppError;

/// The error message of `field`, if the last answer concerned it.
pub fn field_error<S, T>(value: S, field: &'static str) -> Signal<Option<String>>
where
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(e)) => e.for_field(field),
            _ => None,
        })
    })
}

/// An error that concerns the whole form (not one field).
pub fn form_error<S, T>(value: S) -> Signal<Option<String>>
where
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(e)) if !e.is_field() => Some(e.to_string()),
            _ => None,
        })
    })
}

/// Whether the last answer was a success.
pub fn succeeded<S, T>(value: S) -> Signal<bool>
where
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || value.with(|v| matches!(v, Some(Ok(_)))))
}

/// A form's success line (`message`) while `when` holds, announced to screen readers.
#[component]
pub fn Saved(#[prop(into)] when: Signal<bool>, message: &'static str) -> impl IntoView {
    view! {
        <Show when=move || when.get()>
            <div class="alert alert-success" role="status">
                {message}
            </div>
        </Show>
    }
}

/// A message under a field, announced to screen readers.
#[component]
pub fn FieldError(
    #[prop(into)] message: Signal<Option<String>>,
    /// For `aria-describedby` on the field, when the field points to it.
    #[prop(optional, into)]
    id: Option<String>,
) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <p class="field-error" id=id.clone() role="alert">
                {move || message.get()}
            </p>
        </Show>
    }
}

/// One form field: its label, the control given as children (input, select, textarea, with
/// whatever attributes it needs) and its error, announced under it as `{id}-error`.
#[component]
pub fn Field(
    /// The control's `id` (the label points to it).
    id: &'static str,
    #[prop(into)] label: String,
    #[prop(optional, into)] error: Signal<Option<String>>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {children()}
            <FieldError message=error id=format!("{id}-error") />
        </div>
    }
}

/// A form-wide error banner.
#[component]
pub fn FormError(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <div class="alert alert-error" role="alert">
                {move || message.get()}
            </div>
        </Show>
    }
}

/// A password input with a "Mostrar" toggle. The toggle only works once the WASM runs.
#[component]
pub fn PasswordInput(
    name: &'static str,
    id: &'static str,
    #[prop(into)] label: String,
    #[prop(default = "current-password")] autocomplete: &'static str,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(optional)] on_input: Option<Callback<String>>,
) -> impl IntoView {
    let visible = RwSignal::new(false);
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <div class="password-input">
                <input
                    type=move || if visible.get() { "text" } else { "password" }
                    name=name
                    id=id
                    autocomplete=autocomplete
                    required
                    aria-invalid=move || error.get().is_some().to_string()
                    aria-describedby=error_id.clone()
                    on:input=move |ev| {
                        if let Some(cb) = on_input {
                            cb.run(event_target_value(&ev));
                        }
                    }
                />
                <button
                    type="button"
                    class="btn btn-ghost"
                    aria-controls=id
                    aria-pressed=move || visible.get().to_string()
                    on:click=move |_| visible.update(|v| *v = !*v)
                >
                    {move || if visible.get() { "Ocultar" } else { "Mostrar" }}
                </button>
            </div>
            <FieldError message=error id=error_id />
        </div>
    }
}
