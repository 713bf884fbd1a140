//! Mutation tests of the functions' routes and least-privilege policies: a removed or POST-only
//! route, a removed or wider permission, a write outside the function's own keys, and a warm-up
//! read of more than its key are each caught.

use integration_tests::template::{function_mut, one_or_many, statement_mut};
use serde_yaml_ng::Value as Yaml;
use webhook_payload::{Function, Route};

use super::{assert_caught, first_event_mut, first_statement_mut};

#[test]
fn mutation_a_removed_route_is_caught() {
    assert_caught(
        |t| {
            let events = function_mut(t, Function::InboundMessage)["Properties"]["Events"]
                .as_mapping_mut()
                .unwrap();
            let combined = events
                .iter()
                .find(|(_, e)| {
                    e["Properties"]["Path"].as_str() == Some(Route::BotlinkdEvents.path())
                })
                .map(|(name, _)| name.clone())
                .expect("the combined route");
            events.remove(&combined);
        },
        Route::BotlinkdEvents.path(),
    );
}

#[test]
fn mutation_a_post_only_click_route_is_caught() {
    assert_caught(
        |t| {
            let event = first_event_mut(t, Function::Click);
            event["Properties"]["Method"] = Yaml::from("POST");
        },
        "Method must be ANY",
    );
}

#[test]
fn mutation_a_removed_permission_is_caught() {
    assert_caught(
        |t| {
            first_statement_mut(function_mut(t, Function::Ack))["Action"] =
                Yaml::from("dynamodb:GetItem");
        },
        "expected exactly",
    );
}

/// Every event is an item written once: a function that may update items could change what was
/// stored.
#[test]
fn mutation_a_function_that_may_update_stored_events_is_caught() {
    assert_caught(
        |t| {
            first_statement_mut(function_mut(t, Function::Ack))["Action"] =
                serde_yaml_ng::from_str("[dynamodb:PutItem, dynamodb:UpdateItem]").unwrap();
        },
        "expected exactly",
    );
}

#[test]
fn mutation_a_wider_permission_is_caught() {
    assert_caught(
        |t| {
            first_statement_mut(function_mut(t, Function::Click))["Action"] =
                Yaml::from("dynamodb:*");
        },
        "no wildcard",
    );
    assert_caught(
        |t| {
            first_statement_mut(function_mut(t, Function::Click))["Resource"] = Yaml::from("*");
        },
        "must be !GetAtt EventTable.Arn",
    );
    assert_caught(
        |t| {
            let policies = &mut function_mut(t, Function::Click)["Properties"]["Policies"];
            policies
                .as_sequence_mut()
                .unwrap()
                .push(Yaml::from("AmazonDynamoDBFullAccess"));
        },
        "not an inline",
    );
}

#[test]
fn mutation_a_write_outside_the_functions_own_keys_is_caught() {
    for function in Function::ALL {
        fn write_statement(t: &mut Yaml, function: Function) -> &mut Yaml {
            function_mut(t, function)["Properties"]["Policies"]
                .as_sequence_mut()
                .unwrap()
                .iter_mut()
                .flat_map(|p| p["Statement"].as_sequence_mut().unwrap().iter_mut())
                .find(|s| {
                    one_or_many(&s["Action"])
                        .iter()
                        .any(|a| a.as_str() == Some("dynamodb:PutItem"))
                })
                .expect("the write statement")
        }
        assert_caught(
            |t| {
                write_statement(t, function)
                    .as_mapping_mut()
                    .unwrap()
                    .remove("Condition");
            },
            "limited to its own keys",
        );
        assert_caught(
            |t| {
                write_statement(t, function)["Condition"]["ForAllValues:StringLike"]
                    ["dynamodb:LeadingKeys"] = Yaml::from("*");
            },
            "limited to its own keys",
        );
        // Every message, or the other provider's.
        for wider in ["MSG#*", "MSG#botlinkd#*"] {
            if function == Function::Click || wider == "MSG#*" {
                assert_caught(
                    |t| {
                        let keys = &mut write_statement(t, function)["Condition"]
                            ["ForAllValues:StringLike"]["dynamodb:LeadingKeys"];
                        keys[0] = Yaml::from(wider);
                    },
                    "limited to its own keys",
                );
            }
        }
    }
}

#[test]
fn mutation_a_warm_up_read_of_more_than_its_key_is_caught() {
    assert_caught(
        |t| {
            statement_mut(t, Function::InboundMessage, "dynamodb:GetItem")
                .as_mapping_mut()
                .unwrap()
                .remove("Condition");
        },
        "must stand alone",
    );
    assert_caught(
        |t| {
            statement_mut(t, Function::InboundMessage, "dynamodb:GetItem")["Condition"]
                ["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"] = Yaml::from("*");
        },
        "must stand alone",
    );
    assert_caught(
        |t| {
            first_statement_mut(function_mut(t, Function::Click))["Action"] =
                serde_yaml_ng::from_str("[dynamodb:PutItem, dynamodb:GetItem]").unwrap();
        },
        "must stand alone",
    );
    assert_caught(
        |t| {
            function_mut(t, Function::Ack)["Properties"]["Environment"]["Variables"]
                ["DYNAMODB_WARM_UP"] = Yaml::from("true");
        },
        "DYNAMODB_WARM_UP must be !Ref DynamoDbWarmUp",
    );
}
