use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::form::{field_error, form_error, Field, FormError, PasswordInput};
use crate::functions::auth::Login;

/// Login. A plain form post before hydration, a server action after.
#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let value = login.value();
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next").unwrap_or_default());

    view! {
        <Title text="Entrar" />
        <main class="login-page">
            <div class="card login-card">
                <h1 class="brand">"Parabéns"</h1>
                <p class="muted">"Mensagens de aniversário pelo Opa! Suite"</p>
                <ActionForm action=login attr:class="form" attr:aria-label="Entrar">
                    <input type="hidden" name="next" value=next />
                    <Field id="username" label="Usuário" error=field_error(value, "username")>
                        <input
                            type="text"
                            id="username"
                            name="username"
                            autocomplete="username"
                            autocapitalize="none"
                            required
                            autofocus
                        />
                    </Field>
                    <PasswordInput
                        name="password"
                        id="password"
                        label="Senha"
                        error=field_error(value, "password")
                    />
                    <FormError message=form_error(value) />
                    <button
                        type="submit"
                        class="btn btn-primary btn-block"
                        disabled=move || login.pending().get()
                    >
                        {move || if login.pending().get() { "Entrando…" } else { "Entrar" }}
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}
