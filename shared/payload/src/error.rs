use crate::{Provider, Route};

/// Why a webhook body cannot become a record. The sender proved who it is before the body was
/// read, so none of these refuses the event: the HTTP layer quarantines the body (stores it raw,
/// with [`PayloadError::reason`] and [`PayloadError::field`]) for a replay with newer code.
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
    /// A well-formed event of the other provider: its credentials were not checked for it.
    #[error("{provider} events are not accepted on {route}, which authenticates {}", route.provider())]
    WrongProvider {
        /// The provider the body is from, by its shape.
        provider: Provider,
        /// The route it was sent to.
        route: Route,
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

    /// A short, stable name for the quarantine item, logs and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            PayloadError::MalformedJson(_) => "malformed_json",
            PayloadError::MissingField(_) => "missing_field",
            PayloadError::InvalidField { .. } => "invalid_field",
            PayloadError::WrongProvider { .. } => "wrong_provider",
        }
    }

    /// A field sent twice: which value a reader takes would be the reader's choice.
    pub(crate) fn repeated(field: &str) -> Self {
        PayloadError::invalid(field, "appears more than once")
    }

    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Self {
        PayloadError::InvalidField {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    /// Turns a serde error in the object found at `prefix` (empty for the body itself) into a
    /// payload error: syntax problems are malformed JSON, data problems name the field by its
    /// full dotted path.
    pub(crate) fn from_serde(
        err: serde_path_to_error::Error<serde_json::Error>,
        prefix: &str,
    ) -> Self {
        let path = err.path().to_string();
        let path = match (prefix.is_empty(), path == ".") {
            (true, _) => path,
            (false, true) => prefix.to_owned(),
            (false, false) => format!("{prefix}.{path}"),
        };
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
            return PayloadError::repeated(&if path == "." {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            });
        }
        if path == "." {
            // The body itself has the wrong shape: there is no field to name.
            return PayloadError::MalformedJson(reason);
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
