//! The template's secret wiring, checked on the stack CloudFormation would create
//! (`integration_tests::stack`): each function reads its secrets from exactly the SSM parameter
//! its environment names (never the values in the environment), and may read and decrypt that
//! parameter only.

use std::collections::{BTreeMap, BTreeSet};

use integration_tests::stack::{Stack, ACCOUNT, REGION, STACK};
use integration_tests::template::{
    describe, environment, function_mut, load_template, one_or_many, statement_mut,
    template_functions,
};
use serde_yaml_ng::Value as Yaml;
use webhook_payload::{Function, Provider};
use webhook_receiver::SecretVariables;

/// The function's policy statements.
fn statements(function: &Yaml) -> Vec<&Yaml> {
    function["Properties"]["Policies"]
        .as_sequence()
        .into_iter()
        .flatten()
        .flat_map(|policy| one_or_many(&policy["Statement"]))
        .collect()
}

fn actions(statement: &Yaml) -> Vec<&str> {
    one_or_many(&statement["Action"])
        .into_iter()
        .map(|action| action.as_str().expect("a named action"))
        .collect()
}

/// The SSM parameter the stack grants `function` for `provider`: the name its environment
/// gives, or, when that provider's authentication is off (no name in the environment), the name
/// it would give with authentication on.
fn granted_name(stack: &Stack, function: &Yaml, provider: Provider) -> Option<String> {
    let vars = SecretVariables::of(provider);
    let env = environment(stack.template, function);
    env.get(vars.parameter)
        .and_then(|value| stack.eval(value))
        .or_else(|| {
            let on = Stack::new(stack.template, &[]);
            environment(on.template, function)
                .get(vars.parameter)
                .and_then(|value| on.eval(value))
        })
}

/// What is wrong with how the stack gives `function` its secrets: for each provider it serves,
/// the parameter its environment names (unless that provider's authentication is off), read and
/// decrypted through SSM, and no other parameter.
fn secret_problems(
    stack: &Stack,
    id: &str,
    function: &Yaml,
    provider_function: Function,
) -> Vec<String> {
    let mut problems = Vec::new();
    let env = environment(stack.template, function);
    let flag = |name: &str| {
        env.get(name)
            .and_then(|value| stack.eval(value))
            .is_some_and(|value| value == "true")
    };
    for secret in Provider::ALL.map(SecretVariables::of) {
        if env.contains_key(secret.value) {
            problems.push(format!(
                "{id}: {} puts a secret in the environment",
                secret.value
            ));
        }
    }
    let mut wanted = BTreeSet::new();
    let mut granted = BTreeSet::new();
    for provider in provider_function.providers() {
        let vars = SecretVariables::of(provider);
        // Every provider's switch, or the one its declaration names for it alone.
        let own = provider.declaration().credentials.disabled_by;
        let off = flag("AUTH_DISABLED") || own.is_some_and(flag);
        let name = env.get(vars.parameter).and_then(|value| stack.eval(value));
        match (&name, off) {
            (None, false) => problems.push(format!("{id}: {} is not set", vars.parameter)),
            (Some(_), true) => problems.push(format!(
                "{id}: {} is set though authentication is off",
                vars.parameter
            )),
            _ => {}
        }
        if let Some(name) = &name {
            if !name.starts_with('/') {
                problems.push(format!(
                    "{id}: parameter {name} must be a path (/...), so that its ARN is one of \
                     this account's parameters"
                ));
            }
            wanted.insert(format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{name}"));
        }
        if let Some(name) = granted_name(stack, function, provider) {
            granted.insert(format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{name}"));
        }
    }
    let mut get_parameter = Vec::new();
    let mut decrypt = Vec::new();
    for statement in statements(function) {
        let actions = actions(statement);
        if actions
            .iter()
            .any(|a| a.starts_with("ssm:") || a.starts_with("kms:"))
        {
            if actions.len() != 1 {
                problems.push(format!(
                    "{id}: {actions:?}: one SSM or KMS action per statement"
                ));
            }
            match actions[0] {
                "ssm:GetParameter" => get_parameter.push(statement),
                "kms:Decrypt" => decrypt.push(statement),
                other => problems.push(format!("{id}: {other} is more than reading a parameter")),
            }
        }
    }
    let all = |value: &Yaml| -> BTreeSet<String> {
        one_or_many(value)
            .into_iter()
            .map(|v| {
                stack
                    .eval(v)
                    .unwrap_or_else(|| format!("<unreadable {}>", describe(v)))
            })
            .collect()
    };
    // Exactly the parameters of the providers it serves: those it reads, and at most the one
    // of a provider whose authentication is off.
    let exactly = |found: &BTreeSet<String>| wanted.is_subset(found) && found.is_subset(&granted);
    match get_parameter.as_slice() {
        [statement] if exactly(&all(&statement["Resource"])) => {
            if !statement["Condition"].is_null() {
                problems.push(format!("{id}: ssm:GetParameter needs no condition"));
            }
        }
        [statement] => problems.push(format!(
            "{id}: ssm:GetParameter on {:?}, expected exactly {wanted:?}",
            all(&statement["Resource"])
        )),
        other => problems.push(format!(
            "{id}: {} ssm:GetParameter statements, expected one",
            other.len()
        )),
    }
    match decrypt.as_slice() {
        [statement] => {
            if all(&statement["Resource"])
                != BTreeSet::from([format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/*")])
            {
                problems.push(format!(
                    "{id}: kms:Decrypt on {:?}, expected this account's keys in this region",
                    all(&statement["Resource"])
                ));
            }
            let condition = statement["Condition"].as_mapping();
            let equals = &statement["Condition"]["StringEquals"];
            if condition.map(|c| c.len()) != Some(1)
                || equals.as_mapping().map(|m| m.len()) != Some(2)
            {
                problems.push(format!(
                    "{id}: kms:Decrypt's Condition must be StringEquals on kms:ViaService and \
                     the parameter's encryption context, nothing else"
                ));
            }
            if equals.get("kms:ViaService").and_then(|v| stack.eval(v))
                != Some(format!("ssm.{REGION}.amazonaws.com"))
            {
                problems.push(format!(
                    "{id}: kms:Decrypt must be through SSM only (kms:ViaService)"
                ));
            }
            let context = equals
                .get("kms:EncryptionContext:PARAMETER_ARN")
                .map(all)
                .unwrap_or_default();
            if !exactly(&context) {
                problems.push(format!(
                    "{id}: kms:Decrypt must be for {wanted:?} only \
                     (kms:EncryptionContext:PARAMETER_ARN), found {context:?}"
                ));
            }
        }
        other => problems.push(format!(
            "{id}: {} kms:Decrypt statements, expected one",
            other.len()
        )),
    }
    problems
}

/// Every function's secret problems on the stack deployed with `overrides`.
fn all_secret_problems(template: &Yaml, overrides: &[(&str, &str)]) -> Vec<String> {
    let stack = Stack::new(template, overrides);
    let mut problems = Vec::new();
    let functions = template_functions(template);
    assert_eq!(functions.len(), Function::ALL.len());
    for (id, binary, function) in functions {
        let expected = Function::from_binary(binary).expect("a function of the table");
        problems.extend(secret_problems(&stack, id, function, expected));
    }
    problems
}

/// The parameter names each function reads for each provider on the stack deployed with
/// `overrides`.
fn parameter_names(
    template: &Yaml,
    overrides: &[(&str, &str)],
) -> BTreeMap<(String, &'static str), Option<String>> {
    let stack = Stack::new(template, overrides);
    template_functions(template)
        .into_iter()
        .flat_map(|(_, binary, function)| {
            let env = environment(template, function);
            let stack = &stack;
            Function::from_binary(binary)
                .unwrap()
                .providers()
                .into_iter()
                .map(move |provider| {
                    let vars = SecretVariables::of(provider);
                    (
                        (binary.to_owned(), provider.as_str()),
                        env.get(vars.parameter).and_then(|value| stack.eval(value)),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The stack parameter that sets `variable` (`EDNA_AUTH_DISABLED` is `EdnaAuthDisabled`): the
/// template's naming rule.
fn stack_parameter(variable: &str) -> String {
    variable
        .split('_')
        .map(|word| {
            let word = word.to_ascii_lowercase();
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The stack parameter that names `provider`'s SSM parameter (`EdnaApiKeysParameter`).
fn parameter_parameter(provider: Provider) -> String {
    stack_parameter(SecretVariables::of(provider).value) + "Parameter"
}

/// The override that turns off `provider`'s authentication alone, if its declaration has one.
fn disabling(provider: Provider) -> Option<(String, String)> {
    let flag = provider.declaration().credentials.disabled_by?;
    Some((stack_parameter(flag), "true".to_owned()))
}

/// `overrides` as the stack takes them.
fn borrowed(overrides: &[(String, String)]) -> Vec<(&str, &str)> {
    overrides
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

#[test]
fn each_function_reads_exactly_the_parameter_its_environment_names_and_decrypts_through_ssm_only() {
    let template = load_template();
    let named: Vec<(String, String)> = Provider::ALL
        .into_iter()
        .map(|provider| {
            let path = format!("/team/{}/secrets", provider.as_str());
            (parameter_parameter(provider), path)
        })
        .collect();
    let mut cases = vec![Vec::new(), named];
    cases.extend(
        Provider::ALL
            .into_iter()
            .filter_map(disabling)
            .map(|o| vec![o]),
    );
    assert!(
        cases.len() > 2,
        "no provider's authentication can be turned off"
    );
    for overrides in &cases {
        let problems = all_secret_problems(&template, &borrowed(overrides));
        assert!(
            problems.is_empty(),
            "{overrides:?}:\n{}",
            problems.join("\n")
        );
    }
}

#[test]
fn the_parameters_default_to_one_path_per_stack_and_can_be_named() {
    let template = load_template();
    let names = |overrides: &[(String, String)]| parameter_names(&template, &borrowed(overrides));
    // The default path: the variable's name in kebab case (`/.../edna-api-keys`).
    let default = |provider: Provider| {
        let variable = SecretVariables::of(provider).value;
        let name = variable.to_ascii_lowercase().replace('_', "-");
        format!("/whatsapp-webhooks/{STACK}/{name}")
    };
    let key =
        |function: Function, provider: Provider| (function.binary().to_owned(), provider.as_str());
    let mut expected = BTreeMap::new();
    for function in Function::ALL {
        for provider in function.providers() {
            expected.insert(key(function, provider), Some(default(provider)));
        }
    }
    assert_eq!(names(&[]), expected);
    for provider in Provider::ALL {
        let path = format!("/x/{}", provider.as_str());
        let named = names(&[(parameter_parameter(provider), path.clone())]);
        for function in Function::ALL {
            if function.providers().contains(&provider) {
                let name = named[&key(function, provider)].as_deref();
                assert_eq!(name, Some(path.as_str()), "{function} {provider}");
            }
        }
        // With its authentication off, no function names its parameter (and so reads none).
        if let Some(off) = disabling(provider) {
            let off = names(&[off]);
            for function in Function::ALL {
                if function.providers().contains(&provider) {
                    assert_eq!(off[&key(function, provider)], None, "{function} {provider}");
                }
            }
        }
    }
}

#[test]
fn no_secret_is_a_stack_parameter_or_an_environment_value() {
    let template = load_template();
    for (name, parameter) in template["Parameters"].as_mapping().expect("Parameters") {
        assert!(
            parameter.get("NoEcho").is_none(),
            "{name:?} is NoEcho: a secret would be in the stack and in Lambda's environment"
        );
    }
    let problems = all_secret_problems(&template, &[]);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn assert_secret_mutation_caught(mutate: impl FnOnce(&mut Yaml), expected: &str) {
    let mut template = load_template();
    mutate(&mut template);
    let problems = all_secret_problems(&template, &[]);
    assert!(
        problems.iter().any(|p| p.contains(expected)),
        "expected a problem containing {expected:?}, got {problems:?}"
    );
}

#[test]
fn mutations_of_the_secret_wiring_are_caught() {
    assert_secret_mutation_caught(
        |t| {
            statement_mut(t, Function::Ack, "ssm:GetParameter")["Resource"] =
                Yaml::from("arn:aws:ssm:eu-west-1:123456789012:parameter/whatsapp-webhooks/*");
        },
        "ssm:GetParameter on",
    );
    assert_secret_mutation_caught(
        |t| {
            statement_mut(t, Function::Click, "kms:Decrypt")["Condition"]["StringEquals"]
                .as_mapping_mut()
                .unwrap()
                .remove("kms:ViaService");
        },
        "kms:ViaService",
    );
    assert_secret_mutation_caught(
        |t| {
            statement_mut(t, Function::InboundMessage, "kms:Decrypt")["Condition"]["StringEquals"]
                .as_mapping_mut()
                .unwrap()
                .remove("kms:EncryptionContext:PARAMETER_ARN");
        },
        "PARAMETER_ARN",
    );
    assert_secret_mutation_caught(
        |t| {
            function_mut(t, Function::Ack)["Properties"]["Environment"]["Variables"]
                ["BOTLINKD_TOKENS"] = Yaml::from("a-token-in-clear-0123456789abcdef");
        },
        "BOTLINKD_TOKENS puts a secret in the environment",
    );
    assert_secret_mutation_caught(
        |t| {
            statement_mut(t, Function::Click, "ssm:GetParameter")["Action"] =
                Yaml::from("ssm:GetParameters");
        },
        "ssm:GetParameters is more than reading a parameter",
    );
}
