//! The template's operational wiring, checked on the stack CloudFormation would create: each
//! function reads its secrets from exactly the SSM parameter its environment names (never the
//! values in the environment), and may read and decrypt that parameter only; and the dashboard
//! plots only metrics the stack emits, with a widget for every alarm. The template is evaluated
//! (parameters, conditions, `!Sub`, `!If`) for a given set of stack parameters, so the checks see
//! the values AWS would see, not the YAML's shape.

use std::collections::{BTreeMap, BTreeSet};

use integration_tests::template::{
    environment, intrinsic, load_template, one_or_many, resources_of_type, template_functions,
};
use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;
use webhook_payload::Function;
use webhook_receiver::{OutcomeClass, SecretVariables, REQUESTS_METRIC, WRONG_ROUTE_METRIC};

const STACK: &str = "webhooks-prod";
const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";

/// The template as deployed with some stack parameters: evaluates intrinsics to strings. A
/// resource's `!Ref` or `!GetAtt` evaluates to `<LogicalId>` / `<LogicalId.Attribute>`.
struct Stack<'a> {
    template: &'a Yaml,
    parameters: BTreeMap<String, String>,
}

impl<'a> Stack<'a> {
    /// The stack with each parameter's default, overridden by `overrides`.
    fn new(template: &'a Yaml, overrides: &[(&str, &str)]) -> Stack<'a> {
        let mut parameters = BTreeMap::new();
        for (name, parameter) in template["Parameters"].as_mapping().expect("Parameters") {
            let default = match &parameter["Default"] {
                Yaml::String(text) => text.clone(),
                Yaml::Number(number) => number.to_string(),
                _ => String::new(),
            };
            parameters.insert(name.as_str().expect("a name").to_owned(), default);
        }
        for (name, value) in overrides {
            assert!(parameters.contains_key(*name), "no parameter {name}");
            parameters.insert((*name).to_owned(), (*value).to_owned());
        }
        Stack {
            template,
            parameters,
        }
    }

    /// A `Ref`'s value: a parameter, a pseudo parameter, or a resource.
    fn reference(&self, name: &str) -> Option<String> {
        let pseudo = match name {
            "AWS::StackName" => STACK,
            "AWS::Region" => REGION,
            "AWS::AccountId" => ACCOUNT,
            "AWS::Partition" => "aws",
            "AWS::URLSuffix" => "amazonaws.com",
            "AWS::NoValue" => return None,
            _ => "",
        };
        if !pseudo.is_empty() {
            return Some(pseudo.to_owned());
        }
        if let Some(value) = self.parameters.get(name) {
            return Some(value.clone());
        }
        assert!(
            self.template["Resources"].get(name).is_some(),
            "!Ref {name}: no such parameter or resource"
        );
        Some(format!("<{name}>"))
    }

    /// A condition's value, by name.
    fn condition(&self, name: &str) -> bool {
        let condition = &self.template["Conditions"][name];
        assert!(!condition.is_null(), "no condition {name}");
        self.truth(condition)
    }

    fn truth(&self, value: &Yaml) -> bool {
        match intrinsic(value) {
            Some((name, arg)) => match name.as_str() {
                "Fn::Equals" => {
                    let args = arg.as_sequence().expect("!Equals [a, b]");
                    self.eval(&args[0]) == self.eval(&args[1])
                }
                "Fn::Not" => !self.truth(&arg.as_sequence().expect("!Not [c]")[0]),
                "Fn::And" => arg
                    .as_sequence()
                    .expect("!And")
                    .iter()
                    .all(|c| self.truth(c)),
                "Fn::Or" => arg
                    .as_sequence()
                    .expect("!Or")
                    .iter()
                    .any(|c| self.truth(c)),
                "Condition" => self.condition(arg.as_str().expect("a condition name")),
                other => panic!("{other} in a condition"),
            },
            None => panic!("not a condition: {value:?}"),
        }
    }

    /// A value as a string; `None` for `AWS::NoValue`.
    fn eval(&self, value: &Yaml) -> Option<String> {
        let Some((name, arg)) = intrinsic(value) else {
            return match value {
                Yaml::String(text) => Some(text.clone()),
                Yaml::Number(number) => Some(number.to_string()),
                Yaml::Bool(flag) => Some(flag.to_string()),
                other => panic!("not a scalar: {other:?}"),
            };
        };
        match name.as_str() {
            "Ref" => self.reference(arg.as_str().expect("!Ref name")),
            "Fn::GetAtt" => Some(format!(
                "<{}>",
                match arg {
                    Yaml::Sequence(parts) => parts
                        .iter()
                        .filter_map(Yaml::as_str)
                        .collect::<Vec<_>>()
                        .join("."),
                    other => other.as_str().expect("!GetAtt X.Y").to_owned(),
                }
            )),
            "Fn::If" => {
                let args = arg.as_sequence().expect("!If [c, a, b]");
                let branch = if self.condition(args[0].as_str().expect("a condition name")) {
                    &args[1]
                } else {
                    &args[2]
                };
                self.eval(branch)
            }
            "Fn::Sub" => {
                let (text, vars) = match arg {
                    Yaml::Sequence(args) => (args[0].as_str().expect("!Sub [text, vars]"), {
                        let mut vars = BTreeMap::new();
                        for (key, value) in args[1].as_mapping().expect("!Sub variables") {
                            vars.insert(
                                key.as_str().expect("a name").to_owned(),
                                self.eval(value).expect("a !Sub variable has a value"),
                            );
                        }
                        vars
                    }),
                    other => (other.as_str().expect("!Sub text"), BTreeMap::new()),
                };
                Some(self.substitute(text, &vars))
            }
            other => panic!("{other} is not evaluated here"),
        }
    }

    fn substitute(&self, text: &str, vars: &BTreeMap<String, String>) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            if let Some(literal) = after.strip_prefix('!') {
                out.push_str("${");
                rest = literal;
                continue;
            }
            let end = after.find('}').expect("an unterminated ${ in !Sub");
            let name = &after[..end];
            let value = match vars.get(name) {
                Some(value) => value.clone(),
                None if name.contains('.') && !name.starts_with("AWS::") => format!("<{name}>"),
                None => self.reference(name).expect("a ${} with a value"),
            };
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

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

/// What is wrong with how the stack gives `function` its secrets.
fn secret_problems(
    stack: &Stack,
    id: &str,
    function: &Yaml,
    provider_function: Function,
) -> Vec<String> {
    let mut problems = Vec::new();
    let vars = SecretVariables::of(provider_function.provider());
    let env = environment(stack.template, function);
    let auth_disabled = env
        .get("AUTH_DISABLED")
        .and_then(|value| stack.eval(value))
        .is_some_and(|value| value == "true");
    let name = env.get(vars.parameter).and_then(|value| stack.eval(value));
    for secret in [
        SecretVariables::of(webhook_payload::Provider::Edna),
        SecretVariables::of(webhook_payload::Provider::Botlinkd),
    ] {
        if env.contains_key(secret.value) {
            problems.push(format!(
                "{id}: {} puts a secret in the environment",
                secret.value
            ));
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
    let Some(name) = name else {
        if !auth_disabled {
            problems.push(format!("{id}: {} is not set", vars.parameter));
        }
        return problems;
    };
    if auth_disabled {
        problems.push(format!(
            "{id}: {} is set though authentication is off",
            vars.parameter
        ));
    }
    let arn = format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{name}");
    if !name.starts_with('/') {
        problems.push(format!(
            "{id}: parameter {name} must be a path (/...), so that its ARN is {arn}"
        ));
    }
    let resources = |statement: &Yaml| -> Vec<Option<String>> {
        one_or_many(&statement["Resource"])
            .into_iter()
            .map(|resource| stack.eval(resource))
            .collect()
    };
    match get_parameter.as_slice() {
        [statement] if resources(statement) == [Some(arn.clone())] => {
            if !statement["Condition"].is_null() {
                problems.push(format!("{id}: ssm:GetParameter needs no condition"));
            }
        }
        [statement] => problems.push(format!(
            "{id}: ssm:GetParameter on {:?}, expected exactly {arn}",
            resources(statement)
        )),
        other => problems.push(format!(
            "{id}: {} ssm:GetParameter statements, expected one",
            other.len()
        )),
    }
    match decrypt.as_slice() {
        [statement] => {
            if resources(statement) != [Some(format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/*"))] {
                problems.push(format!(
                    "{id}: kms:Decrypt on {:?}, expected this account's keys in this region",
                    resources(statement)
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
            if equals
                .get("kms:EncryptionContext:PARAMETER_ARN")
                .and_then(|v| stack.eval(v))
                != Some(arn.clone())
            {
                problems.push(format!(
                    "{id}: kms:Decrypt must be for {arn} only (kms:EncryptionContext:PARAMETER_ARN)"
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

/// The parameter names each function reads on the stack deployed with `overrides`.
fn parameter_names(
    template: &Yaml,
    overrides: &[(&str, &str)],
) -> BTreeMap<String, Option<String>> {
    let stack = Stack::new(template, overrides);
    template_functions(template)
        .into_iter()
        .map(|(_, binary, function)| {
            let vars = SecretVariables::of(Function::from_binary(binary).unwrap().provider());
            let env = environment(template, function);
            (
                binary.to_owned(),
                env.get(vars.parameter).and_then(|value| stack.eval(value)),
            )
        })
        .collect()
}

#[test]
fn each_function_reads_exactly_the_parameter_its_environment_names_and_decrypts_through_ssm_only() {
    let template = load_template();
    for overrides in [
        &[][..],
        &[
            ("EdnaApiKeysParameter", "/team/edna/key"),
            ("BotlinkdTokensParameter", "/team/botlinkd/tokens"),
        ][..],
        &[("EdnaAuthDisabled", "true")][..],
    ] {
        let problems = all_secret_problems(&template, overrides);
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
    let names = |overrides: &[(&str, &str)]| parameter_names(&template, overrides);
    let edna = format!("/whatsapp-webhooks/{STACK}/edna-api-keys");
    let botlinkd = format!("/whatsapp-webhooks/{STACK}/botlinkd-tokens");
    let expected: BTreeMap<String, Option<String>> = [
        ("click", Some(edna)),
        ("inbound-message", Some(botlinkd.clone())),
        ("ack", Some(botlinkd)),
    ]
    .into_iter()
    .map(|(binary, name)| (binary.to_owned(), name))
    .collect();
    assert_eq!(names(&[]), expected);
    let named = names(&[("BotlinkdTokensParameter", "/x/tokens")]);
    assert_eq!(named["ack"].as_deref(), Some("/x/tokens"));
    assert_eq!(named["inbound-message"].as_deref(), Some("/x/tokens"));
    // With edna authentication off, the click function names no parameter (and so reads none).
    assert_eq!(names(&[("EdnaAuthDisabled", "true")])["click"], None);
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

fn function_mut<'t>(template: &'t mut Yaml, binary: &str) -> &'t mut Yaml {
    let id = template_functions(template)
        .into_iter()
        .find(|(_, b, _)| *b == binary)
        .map(|(id, _, _)| id.to_owned())
        .expect("the function");
    &mut template["Resources"][id.as_str()]
}

fn statement_mut<'t>(template: &'t mut Yaml, binary: &str, action: &str) -> &'t mut Yaml {
    let policies = &mut function_mut(template, binary)["Properties"]["Policies"];
    policies
        .as_sequence_mut()
        .unwrap()
        .iter_mut()
        .flat_map(|policy| policy["Statement"].as_sequence_mut().unwrap().iter_mut())
        .find(|statement| statement["Action"].as_str() == Some(action))
        .expect("the statement")
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
            statement_mut(t, "ack", "ssm:GetParameter")["Resource"] =
                Yaml::from("arn:aws:ssm:eu-west-1:123456789012:parameter/whatsapp-webhooks/*");
        },
        "ssm:GetParameter on",
    );
    assert_secret_mutation_caught(
        |t| {
            statement_mut(t, "click", "kms:Decrypt")["Condition"]["StringEquals"]
                .as_mapping_mut()
                .unwrap()
                .remove("kms:ViaService");
        },
        "kms:ViaService",
    );
    assert_secret_mutation_caught(
        |t| {
            statement_mut(t, "inbound-message", "kms:Decrypt")["Condition"]["StringEquals"]
                .as_mapping_mut()
                .unwrap()
                .remove("kms:EncryptionContext:PARAMETER_ARN");
        },
        "PARAMETER_ARN",
    );
    assert_secret_mutation_caught(
        |t| {
            function_mut(t, "ack")["Properties"]["Environment"]["Variables"]["BOTLINKD_TOKENS"] =
                Yaml::from("a-token-in-clear-0123456789abcdef");
        },
        "BOTLINKD_TOKENS puts a secret in the environment",
    );
    assert_secret_mutation_caught(
        |t| {
            statement_mut(t, "click", "ssm:GetParameter")["Action"] =
                Yaml::from("ssm:GetParameters");
        },
        "ssm:GetParameters is more than reading a parameter",
    );
}

/// The dashboard's body as CloudWatch receives it.
fn dashboard_body(template: &Yaml) -> Json {
    let dashboards = resources_of_type(template, "AWS::CloudWatch::Dashboard");
    assert_eq!(dashboards.len(), 1, "one dashboard");
    let stack = Stack::new(template, &[]);
    let body = stack
        .eval(&dashboards[0].1["Properties"]["DashboardBody"])
        .expect("a body");
    serde_json::from_str(&body).expect("the dashboard body is JSON")
}

/// What is wrong with the dashboard: a series of a metric the stack does not emit, a function,
/// outcome or alarm without its series or widget.
fn dashboard_problems(template: &Yaml) -> Vec<String> {
    let mut problems = Vec::new();
    let stack = Stack::new(template, &[]);
    let namespace = stack
        .eval(&template["Globals"]["Function"]["Environment"]["Variables"]["METRICS_NAMESPACE"])
        .expect("METRICS_NAMESPACE");
    let table = format!("<{}>", integration_tests::template::TABLE);
    let functions: BTreeSet<String> = template_functions(template)
        .into_iter()
        .map(|(id, _, _)| format!("<{id}>"))
        .collect();
    let our_metrics = [REQUESTS_METRIC, WRONG_ROUTE_METRIC];
    let outcomes: BTreeSet<String> = OutcomeClass::ALL
        .iter()
        .map(|class| class.as_str().to_owned())
        .collect();
    // (namespace, metric) -> the dimension values plotted.
    let mut plotted: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut alarm_widgets = BTreeSet::new();
    let body = dashboard_body(template);
    for widget in body["widgets"].as_array().expect("widgets") {
        let properties = &widget["properties"];
        match widget["type"].as_str() {
            Some("metric") => {
                for series in properties["metrics"].as_array().expect("metrics") {
                    let parts: Vec<&str> = series
                        .as_array()
                        .expect("a series")
                        .iter()
                        .filter_map(Json::as_str)
                        .collect();
                    if parts.len() < 2 || !parts.len().is_multiple_of(2) || parts.contains(&"...") {
                        problems.push(format!("series {series}: namespace, name, dimension pairs"));
                        continue;
                    }
                    let (ns, name) = (parts[0], parts[1]);
                    let dimensions: BTreeMap<&str, &str> = parts[2..]
                        .chunks(2)
                        .map(|pair| (pair[0], pair[1]))
                        .collect();
                    let emitted = match ns {
                        ns if ns == namespace => {
                            our_metrics.contains(&name)
                                && dimensions.keys().copied().eq(["Outcome"])
                                && outcomes.contains(dimensions["Outcome"])
                        }
                        "AWS/Lambda" => {
                            ["Duration", "Errors", "Throttles", "Invocations"].contains(&name)
                                && dimensions.keys().copied().eq(["FunctionName"])
                                && functions.contains(dimensions["FunctionName"])
                        }
                        "AWS/DynamoDB" => {
                            let operation = dimensions.get("Operation").copied();
                            dimensions.get("TableName") == Some(&table.as_str())
                                && match name {
                                    "ConsumedWriteCapacityUnits" | "WriteThrottleEvents" => {
                                        dimensions.len() == 1
                                    }
                                    "ThrottledRequests" => {
                                        dimensions.len() == 2
                                            && matches!(operation, Some("PutItem" | "UpdateItem"))
                                    }
                                    _ => false,
                                }
                        }
                        _ => false,
                    };
                    if !emitted {
                        problems.push(format!("series {series} is not a metric this stack emits"));
                    }
                    let value = dimensions
                        .values()
                        .map(|v| v.to_string())
                        .collect::<Vec<_>>();
                    plotted
                        .entry((ns.to_owned(), name.to_owned()))
                        .or_default()
                        .extend(value);
                }
            }
            Some("alarm") => {
                for alarm in properties["alarms"].as_array().expect("alarms") {
                    alarm_widgets.insert(alarm.as_str().unwrap_or_default().to_owned());
                }
            }
            Some("log") => {
                let query = properties["query"].as_str().unwrap_or_default();
                let groups: BTreeSet<String> = functions
                    .iter()
                    .map(|f| format!("'/aws/lambda/{f}'"))
                    .filter(|group| query.contains(group.as_str()))
                    .collect();
                if groups.len() != 1 || !query.contains("by outcome") {
                    problems.push(format!(
                        "log widget {query:?}: one function's log group, counted by outcome"
                    ));
                }
            }
            other => problems.push(format!("widget type {other:?} is not checked here")),
        }
    }
    let requests = plotted
        .get(&(namespace.clone(), REQUESTS_METRIC.to_owned()))
        .cloned()
        .unwrap_or_default();
    if requests != outcomes {
        problems.push(format!(
            "Requests is plotted for outcomes {requests:?}, expected every one: {outcomes:?}"
        ));
    }
    for name in ["Duration", "Errors", "Throttles"] {
        let by_function = plotted
            .get(&("AWS/Lambda".to_owned(), name.to_owned()))
            .cloned()
            .unwrap_or_default();
        if by_function != functions {
            problems.push(format!(
                "AWS/Lambda {name} is plotted for {by_function:?}, expected {functions:?}"
            ));
        }
    }
    for name in ["ConsumedWriteCapacityUnits", "ThrottledRequests"] {
        if !plotted.contains_key(&("AWS/DynamoDB".to_owned(), name.to_owned())) {
            problems.push(format!("AWS/DynamoDB {name} is not plotted"));
        }
    }
    let alarms: BTreeSet<String> = resources_of_type(template, "AWS::CloudWatch::Alarm")
        .into_iter()
        .map(|(id, _)| format!("<{id}.Arn>"))
        .collect();
    if alarm_widgets != alarms {
        problems.push(format!(
            "the alarm widget shows {alarm_widgets:?}, expected every alarm: {alarms:?}"
        ));
    }
    problems
}

#[test]
fn the_dashboard_plots_only_what_the_stack_emits_and_every_alarm() {
    let template = load_template();
    let problems = dashboard_problems(&template);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let output = &template["Outputs"]["DashboardUrl"]["Value"];
    let url = Stack::new(&template, &[]).eval(output).expect("a URL");
    assert_eq!(
        url,
        format!(
            "https://{REGION}.console.aws.amazon.com/cloudwatch/home?region={REGION}\
             #dashboards/dashboard/<Dashboard>"
        )
    );
}

/// The template with its dashboard body replaced by `edit` applied to the evaluated body.
fn with_dashboard(edit: impl FnOnce(&mut Json)) -> Yaml {
    let mut template = load_template();
    let mut body = dashboard_body(&template);
    edit(&mut body);
    let id = resources_of_type(&template, "AWS::CloudWatch::Dashboard")[0]
        .0
        .to_owned();
    template["Resources"][id.as_str()]["Properties"]["DashboardBody"] =
        Yaml::from(body.to_string());
    template
}

#[test]
fn dashboard_mutations_are_caught() {
    let caught = |template: Yaml, expected: &str| {
        let problems = dashboard_problems(&template);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "expected {expected:?} in {problems:?}"
        );
    };
    // An outcome the functions never emit (a typo), and a lost one.
    caught(
        with_dashboard(|body| body["widgets"][0]["properties"]["metrics"][0][3] = "store".into()),
        "is not a metric this stack emits",
    );
    caught(
        with_dashboard(|body| {
            body["widgets"][0]["properties"]["metrics"]
                .as_array_mut()
                .unwrap()
                .pop();
        }),
        "expected every one",
    );
    // A metric name no one emits.
    caught(
        with_dashboard(|body| body["widgets"][0]["properties"]["metrics"][0][1] = "Request".into()),
        "is not a metric this stack emits",
    );
    // An alarm without its widget.
    caught(
        with_dashboard(|body| {
            body["widgets"][1]["properties"]["alarms"]
                .as_array_mut()
                .unwrap()
                .pop();
        }),
        "expected every alarm",
    );
}
