use crate::route::{EventKind, Provider, Route};

/// Why a webhook body cannot become a record. Every variant is the sender's fault (a 4xx);
/// the HTTP layer maps them to status codes in one place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// The body is not JSON (syntax error, truncated, not UTF-8).
    #[error("body is not valid JSON: {0}")]
    MalformedJson(String),
    /// A required field is absent or `null`.
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    /// A field is present but has the wrong type or an unacceptable value.
    #[error("invalid field `{field}`: {reason}")]
    InvalidField {
        /// Dotted path of the field, as the provider names it (`payload.templateId`).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A well-formed event of a kind this route does not store.
    #[error("{kind} events are not accepted on {route}; send them to {}", Route::suggestion_for(*kind))]
    WrongRoute {
        /// The kind the body is.
        kind: EventKind,
        /// The route it was sent to.
        route: Route,
    },
    /// A well-formed event type that this product does not store.
    #[error("unsupported {provider} event `{name}`")]
    UnsupportedEvent {
        /// Who sent it.
        provider: Provider,
        /// The event's declared type.
        name: String,
    },
}

impl PayloadError {
    /// The field the error is about, for the JSON error body.
    pub fn field(&self) -> Option<&str> {
        match self {
            PayloadError::MissingField(field) => Some(field),
            PayloadError::InvalidField { field, .. } => Some(field),
            _ => None,
        }
    }

    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Self {
        PayloadError::InvalidField {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    /// Turns a serde error at `path` into the sender-facing error: syntax problems are malformed
    /// JSON, data problems name the field.
    pub(crate) fn from_serde(err: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if !inner.is_data() {
            return PayloadError::MalformedJson(inner.to_string());
        }
        let reason = strip_position(&inner.to_string());
        // A duplicate key is reported at the enclosing object; name the key itself.
        if let Some(name) = reason
            .strip_prefix("duplicate field `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            let field = if path == "." {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            };
            return PayloadError::InvalidField {
                field,
                reason: "appears more than once".into(),
            };
        }
        if path == "." {
            return PayloadError::invalid("(body)", reason);
        }
        PayloadError::InvalidField {
            field: path,
            reason,
        }
    }
}

/// serde_json appends " at line L column C"; the field path already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}
