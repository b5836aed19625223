//! The one error type every server function returns: typed, serialisable and safe to show.
//!
//! Messages are Portuguese because they reach the admin as is; internal details stay in the
//! server log (see `server::internal`), never in a response.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No valid session: the server function answered 401.
    #[error("Sua sessão expirou. Entre novamente.")]
    Unauthorized,
    /// Input refused; `field` is the name of the form field it concerns.
    #[error("{message}")]
    Field { field: String, message: String },
    /// Too many failed logins for this user and address.
    #[error("Muitas tentativas sem sucesso. Tente novamente em {0} segundos.")]
    RateLimited(u64),
    #[error("Registro não encontrado.")]
    NotFound,
    /// An external system (IXC, Opa! Suite) failed; the message says how, for the admin.
    #[error("{0}")]
    External(String),
    /// Something failed on the server; the cause is in the server log.
    #[error("Erro interno do servidor. Consulte os logs.")]
    Internal,
    /// The request could not be read as this server function's input (400).
    #[error("Requisição inválida: {0}")]
    BadRequest(String),
    /// A state-changing request sent by another site (403, before the function runs).
    #[error("Requisição recusada: ela não partiu de uma página deste site.")]
    Forbidden,
    /// The request never reached the server function or its answer could not be read.
    #[error("Falha de comunicação com o servidor: {0}")]
    Transport(String),
}

/// Input refused by a `validate()`: the form field it concerns and why, in Portuguese. The
/// same check runs in the browser (shown live) and on the server (`?` turns it into
/// [`AppError::Field`]).
pub type Invalid = (&'static str, String);

impl From<Invalid> for AppError {
    fn from((field, message): Invalid) -> Self {
        AppError::field(field, message)
    }
}

impl AppError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Field {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The message to show beside `field`, when this error concerns it.
    pub fn for_field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Field { field, message } if field == name => Some(message.clone()),
            _ => None,
        }
    }

    /// Whether the error belongs to a specific field (shown there) or to the form as a whole.
    pub fn is_field(&self) -> bool {
        matches!(self, AppError::Field { .. })
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // On the server: input that does not decode into the function's arguments. (In
            // the browser the same kinds mean an answer that could not be read.)
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Args(m)
            | ServerFnErrorErr::MissingArg(m)
            | ServerFnErrorErr::Deserialization(m)
            | ServerFnErrorErr::UnsupportedRequestMethod(m) => {
                AppError::BadRequest(m.chars().take(200).collect())
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
