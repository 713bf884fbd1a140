//! Why a function refuses to start: what the configuration (`config.rs`) and the secrets it
//! reads (`secrets.rs`) can get wrong. Its own module, so that both use it without depending on
//! each other the wrong way round (config reads secrets; secrets never reads config).

/// A configuration the function refuses to start with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or empty.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// A variable is set to something unusable.
    #[error("{name}: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The secrets are set both as values and as the name of their SSM parameter.
    #[error(
        "both {value} and {parameter} are set: in AWS set only {parameter} (the name of the \
         SSM parameter that holds the secrets), for a local run only {value}"
    )]
    BothSecretSources {
        /// The variable that holds the values.
        value: &'static str,
        /// The variable that names the SSM parameter.
        parameter: &'static str,
    },
    /// Neither the secrets nor the name of their SSM parameter is set.
    #[error(
        "neither {parameter} (the name of the SSM parameter that holds the secrets, in AWS) nor \
         {value} (the secrets, for a local run) is set; AUTH_DISABLED=true turns \
         authentication off"
    )]
    NoSecretSource {
        /// The variable that holds the values.
        value: &'static str,
        /// The variable that names the SSM parameter.
        parameter: &'static str,
    },
    /// The SSM parameter that holds the secrets could not be read at init.
    #[error("cannot read SSM parameter {name} (named by {variable}): {reason}")]
    Parameter {
        /// The variable that names the parameter.
        variable: &'static str,
        /// The parameter's name.
        name: String,
        /// SSM's answer, or why there was none.
        reason: String,
    },
    /// A parameter is named, but the configuration was read without SSM
    /// ([`Config::from_lookup`](crate::Config::from_lookup)).
    #[error("{variable} names an SSM parameter, which only Config::load reads")]
    ParameterNotRead {
        /// The variable that names the parameter.
        variable: &'static str,
    },
}
