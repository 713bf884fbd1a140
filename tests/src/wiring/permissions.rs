//! A function's environment and IAM permissions, as the template must wire them.

use std::collections::BTreeSet;

use serde_yaml_ng::Value as Yaml;
use webhook_payload::{parse_event, Function};
use webhook_receiver::SecretVariables;
use webhook_table::testing::{message_partition, QUARANTINE_PREFIX, UNMODELLED_PREFIX};
use webhook_table::WARM_UP_KEY;

use crate::fixture_event;
use crate::template::{
    describe, environment, is_ref, is_table_arn, one_or_many, only_warm_up_key, TABLE,
};

/// What the template must grant a function, beyond the binary and routes the function table
/// gives it.
struct Expected {
    /// The IAM actions its inline policy allows, exactly.
    actions: &'static [&'static str],
}

/// The partition keys `function` may write, as `dynamodb:LeadingKeys` patterns: each provider's
/// messages (the prefix of the key its routes' documented events are stored under: every route
/// stores every kind of its provider), each provider's unmodelled events, and quarantined
/// bodies, whose key is a hash of the body and names no provider.
pub fn write_key_patterns(function: Function) -> BTreeSet<String> {
    let mut patterns: BTreeSet<String> = function
        .routes()
        .iter()
        .map(|route| {
            let event = fixture_event(route.apigw_fixture());
            let body = event["body"].as_str().expect("the fixture has a body");
            let record = parse_event(*route, body.as_bytes()).expect("a documented event");
            // MSG#<provider>#<id...>: the first two segments.
            let pk = message_partition(&record.id.message);
            let segments: Vec<&str> = pk.splitn(3, '#').collect();
            assert_eq!(segments[1], route.provider().as_str(), "{pk}");
            format!("{}#{}#*", segments[0], segments[1])
        })
        .collect();
    for provider in function.providers() {
        patterns.insert(format!("{UNMODELLED_PREFIX}#{}#*", provider.as_str()));
    }
    patterns.insert(format!("{QUARANTINE_PREFIX}#*"));
    patterns
}

/// What the template must grant `function`.
fn expected(function: Function) -> Expected {
    // Every event, a status too, is an item written once: PutItem; GetItem reads the warm-up
    // key. No function may update or delete what is stored.
    let actions: &'static [&'static str] = match function {
        Function::Click | Function::InboundMessage | Function::Ack => {
            &["dynamodb:GetItem", "dynamodb:PutItem"]
        }
    };
    Expected { actions }
}

/// The table's name, the warm-up switch, and the secrets' SSM parameter (never their values).
pub fn environment_problems(
    template: &Yaml,
    id: &str,
    function: &Yaml,
    expected_function: Function,
    problems: &mut Vec<String>,
) {
    let env = environment(template, function);
    if !env.get("TABLE_NAME").is_some_and(|v| is_ref(v, TABLE)) {
        problems.push(format!("{id}: TABLE_NAME must be !Ref {TABLE}"));
    }
    if !env
        .get("DYNAMODB_WARM_UP")
        .is_some_and(|v| is_ref(v, "DynamoDbWarmUp"))
    {
        problems.push(format!(
            "{id}: DYNAMODB_WARM_UP must be !Ref DynamoDbWarmUp"
        ));
    }
    // The secrets' values are never in Lambda's environment: it names their SSM parameter
    // (which parameter, and the policy on it, tests/tests/template_ops.rs checks).
    for provider in expected_function.providers() {
        let secrets = SecretVariables::of(provider);
        if env.contains_key(secrets.value) {
            problems.push(format!(
                "{id}: {} would put the secrets' values in Lambda's environment; name their \
                 SSM parameter in {}",
                secrets.value, secrets.parameter
            ));
        }
        if !env.contains_key(secrets.parameter) {
            problems.push(format!(
                "{id}: {} must name the secrets' SSM parameter",
                secrets.parameter
            ));
        }
    }
}

/// Inline statements only, on the table's ARN only, exactly the expected actions; the one read
/// (`GetItem`) limited to the warm-up key.
pub fn permission_problems(
    id: &str,
    function: &Yaml,
    expected_function: Function,
    problems: &mut Vec<String>,
) {
    if function["Properties"].get("Role").is_some() {
        problems.push(format!(
            "{id}: a Role would bypass the checked Policies; use Policies"
        ));
    }
    let mut actions = BTreeSet::new();
    for policy in function["Properties"]["Policies"]
        .as_sequence()
        .into_iter()
        .flatten()
    {
        let Some(statements) = policy
            .as_mapping()
            .filter(|map| map.len() == 1)
            .and_then(|_| policy.get("Statement"))
        else {
            problems.push(format!(
                "{id}: policy {} is not an inline {{Statement: [...]}}; managed policies and SAM \
                 policy templates grant more than the handler uses",
                describe(policy)
            ));
            continue;
        };
        for statement in one_or_many(statements) {
            statement_problems(id, statement, &mut actions, problems);
            write_key_problems(id, statement, expected_function, problems);
        }
    }
    let want: BTreeSet<String> = expected(expected_function)
        .actions
        .iter()
        .map(|a| a.to_string())
        .collect();
    if actions != want {
        problems.push(format!(
            "{id}: allowed actions are {actions:?}, expected exactly {want:?}"
        ));
    }
}

/// One policy statement: Allow only, named actions only (collected into `actions`), the table's
/// ARN only, and `GetItem` alone under the warm-up key condition.
fn statement_problems(
    id: &str,
    statement: &Yaml,
    actions: &mut BTreeSet<String>,
    problems: &mut Vec<String>,
) {
    if statement["Effect"].as_str() != Some("Allow") {
        problems.push(format!("{id}: only Allow statements are expected"));
    }
    for forbidden in ["NotAction", "NotResource", "Principal"] {
        if statement.get(forbidden).is_some() {
            problems.push(format!(
                "{id}: {forbidden} is not allowed in a function policy"
            ));
        }
    }
    let statement_actions = one_or_many(&statement["Action"]);
    // Reading the secrets (ssm:GetParameter, kms:Decrypt through SSM) is checked in
    // tests/tests/template_ops.rs; the table's actions here stay exact.
    if !statement_actions.is_empty()
        && statement_actions.iter().all(|action| {
            action
                .as_str()
                .is_some_and(|a| a == "ssm:GetParameter" || a == "kms:Decrypt")
        })
    {
        return;
    }
    let reads = statement_actions
        .iter()
        .any(|action| action.as_str() == Some("dynamodb:GetItem"));
    if reads && (statement_actions.len() != 1 || !only_warm_up_key(&statement["Condition"])) {
        problems.push(format!(
            "{id}: dynamodb:GetItem must stand alone in a statement whose Condition is \
             ForAllValues:StringEquals dynamodb:LeadingKeys [{WARM_UP_KEY}]: the \
             warm-up reads that key, and the functions must not read events"
        ));
    }
    for action in statement_actions {
        match action.as_str() {
            Some(action) if !action.contains('*') => {
                actions.insert(action.to_owned());
            }
            _ => problems.push(format!(
                "{id}: action {} must be one named action, no wildcard",
                describe(action)
            )),
        }
    }
    for resource in one_or_many(&statement["Resource"]) {
        if !is_table_arn(resource) {
            problems.push(format!(
                "{id}: resource {} must be !GetAtt {TABLE}.Arn",
                describe(resource)
            ));
        }
    }
}

/// A statement that allows a write (`PutItem`) does so only under the function's
/// own partition keys: `ForAllValues:StringLike` on `dynamodb:LeadingKeys`, exactly
/// [`write_key_patterns`].
fn write_key_problems(id: &str, statement: &Yaml, function: Function, problems: &mut Vec<String>) {
    let writes = one_or_many(&statement["Action"]).into_iter().any(|action| {
        matches!(
            action.as_str(),
            Some("dynamodb:PutItem" | "dynamodb:UpdateItem")
        )
    });
    if !writes {
        return;
    }
    let want = write_key_patterns(function);
    let condition = &statement["Condition"];
    let like = &condition["ForAllValues:StringLike"];
    let got: Option<BTreeSet<String>> = (condition.as_mapping().map(|c| c.len()) == Some(1)
        && like.as_mapping().map(|c| c.len()) == Some(1))
    .then(|| {
        one_or_many(&like["dynamodb:LeadingKeys"])
            .into_iter()
            .filter_map(|key| key.as_str().map(str::to_owned))
            .collect()
    });
    if got.as_ref() != Some(&want) {
        problems.push(format!(
            "{id}: its writes must be limited to its own keys: Condition \
             ForAllValues:StringLike dynamodb:LeadingKeys {want:?}, found {}",
            describe(condition)
        ));
    }
}
