use leptos::prelude::*;

use crate::components::form::{
    field_error, form_error, succeeded, Field, FormError, PasswordInput, Saved,
};
use crate::components::layout::PageHeader;
use crate::components::loaded::Loaded;
use crate::components::resource::resource;
use crate::components::time::format_time;
use crate::domain::account::{validate_new_password, validate_username};
use crate::functions::auth::{
    get_current_user, list_admins, AddAdmin, ChangePassword, RemoveAdmin,
};
use crate::functions::messages::get_birthday_params;

/// The signed-in admin's password, and the list of admins with a form to add one.
#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <PageHeader title="Conta" description="Sua senha e os administradores do Parabéns." />
        <p>
            <a href="/conta/auditoria">"Auditoria: quem mudou o quê e quando →"</a>
        </p>
        <div class="grid-2">
            <ChangePasswordForm />
            <Admins />
        </div>
        <Backup />
    }
}

/// *Baixar backup*: a plain link to the server's streamed export (`/conta/backup`).
#[component]
fn Backup() -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="backup-title">
            <h2 id="backup-title">"Backup"</h2>
            <p>
                "Um arquivo com os clientes, mensagens, parâmetros, agenda, fila, execuções e a auditoria, para guardar fora do servidor."
            </p>
            <p class="muted">
                "Tokens, senhas e sessões ficam de fora: depois de restaurar (parabens restore ARQUIVO, num banco vazio), entre com o usuário admin e a senha de PARABENS_ADMIN_PASSWORD (ou a gerada no início) e informe de novo os tokens em Integrações."
            </p>
            <a class="btn btn-secondary" href="/conta/backup" download rel="external">
                "Baixar backup"
            </a>
        </section>
    }
}

/// Live check of a new password with the server's own validator; the server checks again.
fn live_password_check(
    password: RwSignal<String>,
    confirmation: RwSignal<String>,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        let (p, c) = (password.get(), confirmation.get());
        if p.is_empty() || (field == "confirmation" && c.is_empty()) {
            return None;
        }
        match validate_new_password(&p, &c) {
            Err((f, m)) if f == field => Some(m),
            _ => None,
        }
    })
}

/// Server error for the field if any, else the live check.
fn either(a: Signal<Option<String>>, b: Signal<Option<String>>) -> Signal<Option<String>> {
    Signal::derive(move || a.get().or_else(|| b.get()))
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let value = action.value();
    let password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let done = move || matches!(value.get(), Some(Ok(())));

    view! {
        <section class="card">
            <h2>"Alterar senha"</h2>
            <ActionForm action=action attr:class="form">
                <PasswordInput
                    name="current"
                    id="current"
                    label="Senha atual"
                    error=field_error(value, "current")
                />
                <PasswordInput
                    name="password"
                    id="new-password"
                    label="Nova senha"
                    autocomplete="new-password"
                    error=either(
                        field_error(value, "password"),
                        live_password_check(password, confirmation, "password"),
                    )
                    on_input=Callback::new(move |v| password.set(v))
                />
                <PasswordInput
                    name="confirmation"
                    id="new-password-confirmation"
                    label="Confirme a nova senha"
                    autocomplete="new-password"
                    error=either(
                        field_error(value, "confirmation"),
                        live_password_check(password, confirmation, "confirmation"),
                    )
                    on_input=Callback::new(move |v| confirmation.set(v))
                />
                <FormError message=form_error(value) />
                <Show when=done>
                    <div class="alert alert-success" role="status">
                        "Senha alterada. As outras sessões foram encerradas."
                    </div>
                </Show>
                <button
                    type="submit"
                    class="btn btn-primary"
                    disabled=move || action.pending().get()
                >
                    "Alterar senha"
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Admins() -> impl IntoView {
    let add = ServerAction::<AddAdmin>::new();
    let value = add.value();
    let remove = ServerAction::<RemoveAdmin>::new();
    // With the signed-in admin, who cannot remove themselves.
    let admins = resource(
        move || (add.version().get(), remove.version().get()),
        |_| async move {
            let me = get_current_user().await?.username;
            let tz = get_birthday_params().await?.time_zone;
            Ok::<_, crate::error::AppError>((list_admins().await?, me, tz))
        },
    );
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let live_username = Signal::derive(move || {
        let u = username.get();
        (!u.is_empty())
            .then(|| validate_username(u.trim()).err())
            .flatten()
    });

    view! {
        <section class="card">
            <h2>"Administradores"</h2>
            <Loaded resource=admins let:loaded>
                {
                    let (list, me, tz) = loaded;
                    view! {
                        <table class="table" aria-label="Administradores">
                            <thead>
                                <tr>
                                    <th>"Usuário"</th>
                                    <th>"Criado em"</th>
                                    <th>"Criado por"</th>
                                    <th></th>
                                </tr>
                            </thead>
                            <tbody>
                                {list
                                    .into_iter()
                                    .map(|a| {
                                        view! {
                                            <tr>
                                                <td>{a.username.clone()}</td>
                                                <td>{format_time(a.created_at, &tz)}</td>
                                                <td>{a.created_by.unwrap_or_else(|| "—".into())}</td>
                                                <td>
                                                    {(a.username != me)
                                                        .then(|| {
                                                            view! {
                                                                <ActionForm action=remove attr:class="inline-form">
                                                                    <input
                                                                        type="hidden"
                                                                        name="username"
                                                                        value=a.username.clone()
                                                                    />
                                                                    <button
                                                                        type="submit"
                                                                        class="btn btn-ghost"
                                                                        aria-label=format!("Remover {}", a.username)
                                                                    >
                                                                        "Remover"
                                                                    </button>
                                                                </ActionForm>
                                                            }
                                                        })}
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                        <FormError message=form_error(remove.value()) />
                        <FormError message=field_error(remove.value(), "remove") />
                    }
                }
            </Loaded>
            <h3>"Adicionar administrador"</h3>
            <ActionForm action=add attr:class="form">
                <Field
                    id="new-admin"
                    label="Usuário"
                    error=either(field_error(value, "username"), live_username)
                >
                    <input
                        type="text"
                        id="new-admin"
                        name="username"
                        autocomplete="off"
                        autocapitalize="none"
                        required
                        on:input=move |ev| username.set(event_target_value(&ev))
                    />
                </Field>
                <PasswordInput
                    name="password"
                    id="new-admin-password"
                    label="Senha"
                    autocomplete="new-password"
                    error=either(
                        field_error(value, "password"),
                        live_password_check(password, confirmation, "password"),
                    )
                    on_input=Callback::new(move |v| password.set(v))
                />
                <PasswordInput
                    name="confirmation"
                    id="new-admin-confirmation"
                    label="Confirme a senha"
                    autocomplete="new-password"
                    error=either(
                        field_error(value, "confirmation"),
                        live_password_check(password, confirmation, "confirmation"),
                    )
                    on_input=Callback::new(move |v| confirmation.set(v))
                />
                <FormError message=form_error(value) />
                <Saved when=succeeded(value) message="Administrador adicionado." />
                <button type="submit" class="btn btn-primary" disabled=move || add.pending().get()>
                    "Adicionar"
                </button>
            </ActionForm>
        </section>
    }
}
