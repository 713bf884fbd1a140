//! Why a storage operation failed, as an operator acts on it: the `Cause` of the pipeline's
//! `failed` outcome, and of every fault the operator tools report.

/// The `Cause` dimension of a storage fault (`Outcome` = `failed`): what an operator does next
/// depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FaultCause {
    /// DynamoDB throttled the write (on-demand scaling, or the table's limits): transient.
    Throttled,
    /// No answer within the client's or the request's time budget: usually transient.
    Timeout,
    /// The function's role may not write the table, or its credentials were refused: permanent
    /// until the role is fixed.
    AccessDenied,
    /// DynamoDB refused the request as sent (a validation error, a missing table): permanent
    /// until someone fixes the deployment.
    Validation,
    /// Anything else (unreachable endpoint, a 5xx from DynamoDB, an unreadable answer).
    #[default]
    Other,
}

impl FaultCause {
    /// Every cause, in the order the dashboard and the docs list them.
    pub const ALL: [FaultCause; 5] = [
        FaultCause::Throttled,
        FaultCause::Timeout,
        FaultCause::AccessDenied,
        FaultCause::Validation,
        FaultCause::Other,
    ];

    /// The dimension value.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultCause::Throttled => "throttled",
            FaultCause::Timeout => "timeout",
            FaultCause::AccessDenied => "access_denied",
            FaultCause::Validation => "validation",
            FaultCause::Other => "other",
        }
    }

    /// Whether the fault lasts until a person fixes something (alarmed at once).
    pub fn is_permanent(self) -> bool {
        matches!(self, FaultCause::AccessDenied | FaultCause::Validation)
    }

    /// The cause of a DynamoDB error code (the service's `__type`), when DynamoDB answered.
    pub fn of_error_code(code: &str) -> FaultCause {
        match code {
            "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "LimitExceededException"
            | "TransactionInProgressException" => FaultCause::Throttled,
            "AccessDeniedException"
            | "UnrecognizedClientException"
            | "InvalidSignatureException"
            | "MissingAuthenticationTokenException"
            | "ExpiredTokenException"
            | "IncompleteSignatureException" => FaultCause::AccessDenied,
            "ValidationException" | "ResourceNotFoundException" | "SerializationException" => {
                FaultCause::Validation
            }
            _ => FaultCause::Other,
        }
    }
}
