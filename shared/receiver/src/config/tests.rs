//! Configuration from the environment: every variable, its default and its refusals.

use super::*;
use webhook_payload::CredentialScheme;

fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

#[test]
fn table_name_is_required() {
    let err =
        Config::from_lookup(&[Provider::Edna], lookup(&[("AUTH_DISABLED", "true")])).unwrap_err();
    assert_eq!(err, ConfigError::Missing("TABLE_NAME"));
}

#[test]
fn auth_is_required_unless_explicitly_disabled() {
    let err =
        Config::from_lookup(&[Provider::Botlinkd], lookup(&[("TABLE_NAME", "t")])).unwrap_err();
    assert_eq!(
        err,
        ConfigError::NoSecretSource {
            value: "BOTLINKD_TOKENS",
            parameter: "BOTLINKD_TOKENS_PARAMETER"
        }
    );
    let err = Config::from_lookup(&[Provider::Edna], lookup(&[("TABLE_NAME", "t")])).unwrap_err();
    assert_eq!(
        err,
        ConfigError::NoSecretSource {
            value: "EDNA_API_KEYS",
            parameter: "EDNA_API_KEYS_PARAMETER"
        }
    );
    let err = Config::from_lookup(
        &[Provider::Edna],
        lookup(&[("TABLE_NAME", "t"), ("AUTH_DISABLED", "yes")]),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        ConfigError::Invalid {
            name: "AUTH_DISABLED",
            ..
        }
    ));
    let config = Config::from_lookup(
        &[Provider::Edna],
        lookup(&[("TABLE_NAME", "t"), ("AUTH_DISABLED", "true")]),
    )
    .unwrap();
    assert!(matches!(config.auth[0].1, Auth::Disabled));
}

/// An SSM client that must never be built: the secrets are values, or authentication is off.
fn no_ssm() -> aws_sdk_ssm::Client {
    panic!("SSM was called though no parameter is named")
}

#[tokio::test]
async fn secrets_come_from_exactly_one_source_the_values_or_the_parameter() {
    for (provider, value, parameter, secret) in [
        (
            Provider::Edna,
            "EDNA_API_KEYS",
            "EDNA_API_KEYS_PARAMETER",
            "k1",
        ),
        (
            Provider::Botlinkd,
            "BOTLINKD_TOKENS",
            "BOTLINKD_TOKENS_PARAMETER",
            TOKEN,
        ),
    ] {
        // Both: refused before SSM is asked, whatever the order.
        let both = [("TABLE_NAME", "t"), (value, secret), (parameter, "/s/p")];
        let err = Config::load_with(&[provider], lookup(&both), no_ssm)
            .await
            .unwrap_err();
        assert_eq!(err, ConfigError::BothSecretSources { value, parameter });
        let message = err.to_string();
        assert!(
            message.contains(value) && message.contains(parameter),
            "{message}"
        );
        assert_eq!(
            Config::from_lookup(&[provider], lookup(&both)).unwrap_err(),
            err
        );
        // Neither (blank counts as unset).
        let neither = [("TABLE_NAME", "t"), (value, " "), (parameter, "")];
        let err = Config::load_with(&[provider], lookup(&neither), no_ssm)
            .await
            .unwrap_err();
        assert_eq!(err, ConfigError::NoSecretSource { value, parameter });
        assert!(err.to_string().contains("AUTH_DISABLED=true"));
        // The values alone: no SSM call.
        let values = [("TABLE_NAME", "t"), (value, secret)];
        let config = Config::load_with(&[provider], lookup(&values), no_ssm)
            .await
            .unwrap();
        assert!(!matches!(config.auth[0].1, Auth::Disabled));
        // The parameter alone, read without SSM: refused, naming the variable.
        let named = [("TABLE_NAME", "t"), (parameter, "/s/p")];
        assert_eq!(
            Config::from_lookup(&[provider], lookup(&named)).unwrap_err(),
            ConfigError::ParameterNotRead {
                variable: parameter
            }
        );
        // Authentication off: neither is read, SSM is not called.
        let off = [
            ("TABLE_NAME", "t"),
            ("AUTH_DISABLED", "true"),
            (parameter, "/s/p"),
        ];
        let config = Config::load_with(&[provider], lookup(&off), no_ssm)
            .await
            .unwrap();
        assert!(matches!(config.auth[0].1, Auth::Disabled));
    }
}

#[test]
fn retention_defaults_to_400_days_and_zero_keeps_forever() {
    let with = |vars: &[(&'static str, &'static str)]| {
        let mut all = vec![("TABLE_NAME", "t"), ("AUTH_DISABLED", "true")];
        all.extend_from_slice(vars);
        Config::from_lookup(&[Provider::Edna], lookup(&all))
    };
    assert_eq!(
        with(&[]).unwrap().store.retention_days,
        DEFAULT_RETENTION_DAYS
    );
    assert_eq!(
        with(&[("RETENTION_DAYS", "30")])
            .unwrap()
            .store
            .retention_days,
        30
    );
    assert_eq!(
        with(&[("RETENTION_DAYS", "0")])
            .unwrap()
            .store
            .retention_days,
        0
    );
    assert!(matches!(
        with(&[("RETENTION_DAYS", "-1")]).unwrap_err(),
        ConfigError::Invalid {
            name: "RETENTION_DAYS",
            ..
        }
    ));
}

#[test]
fn warm_up_is_off_unless_switched_on() {
    let base = [("TABLE_NAME", "t"), ("AUTH_DISABLED", "true")];
    let with = |value: &'static str| {
        let vars = [base[0], base[1], ("DYNAMODB_WARM_UP", value)];
        Config::from_lookup(&[Provider::Edna], lookup(&vars))
    };
    assert!(
        !Config::from_lookup(&[Provider::Edna], lookup(&base))
            .unwrap()
            .warm_up
    );
    assert!(with("true").unwrap().warm_up);
    assert!(!with("false").unwrap().warm_up);
    assert!(matches!(
        with("1").unwrap_err(),
        ConfigError::Invalid {
            name: "DYNAMODB_WARM_UP",
            ..
        }
    ));
}

#[test]
fn botlinkd_tokens_must_carry_128_bits() {
    let min_chars = Provider::Botlinkd.declaration().credentials.min_chars;
    assert_eq!(min_chars, 32, "128 bits, hex-encoded");
    let short = &TOKEN[..min_chars - 1];
    let err = Config::from_lookup(
        &[Provider::Botlinkd],
        lookup(&[("TABLE_NAME", "t"), ("BOTLINKD_TOKENS", short)]),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        ConfigError::Invalid {
            name: "BOTLINKD_TOKENS",
            ..
        }
    ));
}

#[test]
fn at_most_two_secrets_are_accepted_at_once() {
    let two = format!("{TOKEN},{TOKEN}x");
    let config = Config::from_lookup(
        &[Provider::Botlinkd],
        lookup(&[("TABLE_NAME", "t"), ("BOTLINKD_TOKENS", &two)]),
    )
    .unwrap();
    assert!(
        matches!(config.auth[0].1, Auth::Secrets { scheme: CredentialScheme::QueryParameter("token"), ref secrets, .. } if secrets.len() == 2)
    );
    let three = format!("{TOKEN},{TOKEN}x,{TOKEN}y");
    assert!(Config::from_lookup(
        &[Provider::Botlinkd],
        lookup(&[("TABLE_NAME", "t"), ("BOTLINKD_TOKENS", &three)])
    )
    .is_err());
}

#[test]
fn edna_keys_need_no_header_name_and_an_old_header_setting_is_ignored() {
    // EDNA_API_KEY_HEADER was a guess at edna's header; the key is now found in any header.
    let vars = [
        ("TABLE_NAME", "t"),
        ("EDNA_API_KEYS", "k1"),
        ("EDNA_API_KEY_HEADER", "not a header name"),
    ];
    let config = Config::from_lookup(&[Provider::Edna], lookup(&vars)).unwrap();
    assert!(
        matches!(config.auth[0].1, Auth::Secrets { scheme: CredentialScheme::AnyHeaderOrBearer, ref secrets, .. } if secrets.len() == 1)
    );
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let vars = [("TABLE_NAME", "t"), ("EDNA_API_KEYS", "super-secret-key")];
    let config = Config::from_lookup(&[Provider::Edna], lookup(&vars)).unwrap();
    assert!(!format!("{config:?}").contains("super-secret-key"));
}

#[test]
fn a_short_edna_key_is_accepted_and_reported_as_guessable_without_its_value() {
    use crate::metrics::WeakSecret;
    use crate::request_line::LineSink;

    let short = "https";
    let config = Config::from_lookup(
        &[Provider::Edna, Provider::Botlinkd],
        lookup(&[
            ("TABLE_NAME", "t"),
            ("EDNA_API_KEYS", &format!("{short},0123456789abcdef")),
            ("BOTLINKD_TOKENS", TOKEN),
            ("METRICS_NAMESPACE", "WhatsAppWebhooks/test"),
        ]),
    )
    .expect("a short key is accepted");
    assert_eq!(
        config.weak_secrets(),
        vec![WeakSecret::Short {
            provider: Provider::Edna,
            below_chars: 16
        }]
    );
    let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    config.report_weak_secrets(&LineSink::Buffer(buffer.clone()), 1);
    let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("\"Cause\":\"short_edna_key\""), "{text}");
    assert!(text.contains("WhatsAppWebhooks/test"), "{text}");
    assert!(!text.contains(short), "the key is never logged: {text}");

    // 16 characters or more, BotLinkd's tokens, authentication off: nothing to report.
    for vars in [
        vec![("TABLE_NAME", "t"), ("EDNA_API_KEYS", "0123456789abcdef")],
        vec![("TABLE_NAME", "t"), ("AUTH_DISABLED", "true")],
    ] {
        let config = Config::from_lookup(&[Provider::Edna], lookup(&vars)).unwrap();
        assert!(config.weak_secrets().is_empty(), "{vars:?}");
    }
}

#[test]
fn each_provider_is_checked_by_its_declared_scheme_and_named_in_its_refusal() {
    let vars = [
        ("TABLE_NAME", "t"),
        ("EDNA_API_KEYS", "k1"),
        ("BOTLINKD_TOKENS", TOKEN),
    ];
    let config = Config::from_lookup(&[Provider::Edna, Provider::Botlinkd], lookup(&vars)).unwrap();
    let bare = lambda_http::Request::new(lambda_http::Body::Empty);
    let refusals: Vec<(Provider, String)> = config
        .auth
        .iter()
        .map(|(provider, auth)| (*provider, auth.check(&bare).unwrap_err().to_string()))
        .collect();
    assert_eq!(
        refusals,
        [
            (
                Provider::Edna,
                "missing or invalid credentials: send the edna Pulse webhook key in a header"
                    .to_owned()
            ),
            (
                Provider::Botlinkd,
                "missing credentials: the webhook URL must carry ?token=".to_owned()
            ),
        ]
    );
}

#[test]
fn a_providers_own_flag_turns_off_its_check_alone_and_is_read_on_every_function() {
    let vars = [
        ("TABLE_NAME", "t"),
        ("EDNA_AUTH_DISABLED", "true"),
        ("BOTLINKD_TOKENS", TOKEN),
    ];
    let config = Config::from_lookup(&[Provider::Edna, Provider::Botlinkd], lookup(&vars)).unwrap();
    assert!(matches!(config.auth[0], (Provider::Edna, Auth::Disabled)));
    assert!(matches!(
        config.auth[1],
        (Provider::Botlinkd, Auth::Secrets { .. })
    ));
    // BotLinkd declares no such flag: EDNA_AUTH_DISABLED leaves its check on.
    let err = Config::from_lookup(
        &[Provider::Botlinkd],
        lookup(&[("TABLE_NAME", "t"), ("EDNA_AUTH_DISABLED", "true")]),
    )
    .unwrap_err();
    assert!(matches!(err, ConfigError::NoSecretSource { .. }), "{err}");
    // The template sets it on every function, so a bad value fails any function's init.
    let err = Config::from_lookup(
        &[Provider::Botlinkd],
        lookup(&[
            ("TABLE_NAME", "t"),
            ("EDNA_AUTH_DISABLED", "yes"),
            ("BOTLINKD_TOKENS", TOKEN),
        ]),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        ConfigError::Invalid {
            name: "EDNA_AUTH_DISABLED",
            ..
        }
    ));
}
