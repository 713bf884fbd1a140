//! Mutation tests of the table, the API's throttle, the functions' environment and the outputs:
//! a table without deletion protection, retention or point-in-time recovery, keys or indexes other
//! than the store's, a small throttle, a lost table name or a secret in clear, and a missing output
//! or a route the router does not know are each caught.

use integration_tests::template::{resources_of_type, sub_string, table_index_mut, TABLE};
use serde_yaml_ng::Value as Yaml;
use webhook_payload::{Function, Route};
use webhook_table::testing as item;

use super::{assert_caught, first_event_mut};

#[test]
fn mutation_a_table_without_deletion_protection_or_a_small_throttle_is_caught() {
    assert_caught(
        |t| {
            t["Resources"][TABLE]["Properties"]
                .as_mapping_mut()
                .unwrap()
                .remove("DeletionProtectionEnabled");
        },
        "DeletionProtectionEnabled must be true",
    );
    assert_caught(
        |t| t["Parameters"]["ApiThrottleRateLimit"]["Default"] = Yaml::from(1000),
        "a campaign needs 3000/s",
    );
    assert_caught(
        |t| t["Parameters"]["ApiThrottleBurstLimit"]["Default"] = Yaml::from(500),
        "a burst at least the rate",
    );
    assert_caught(
        |t| {
            let api = resources_of_type(t, "AWS::Serverless::HttpApi")[0]
                .0
                .to_owned();
            t["Resources"][api.as_str()]["Properties"]["DefaultRouteSettings"]
                ["ThrottlingRateLimit"] = Yaml::from(1000);
        },
        "ThrottlingRateLimit must be !Ref ApiThrottleRateLimit",
    );
}

#[test]
fn mutation_a_lost_table_name_or_echoed_secret_is_caught() {
    assert_caught(
        |t| {
            t["Globals"]["Function"]["Environment"]["Variables"]
                .as_mapping_mut()
                .unwrap()
                .remove("TABLE_NAME");
        },
        "TABLE_NAME",
    );
    assert_caught(
        |t| {
            t["Globals"]["Function"]["Environment"]["Variables"]["BOTLINKD_TOKENS"] =
                Yaml::from("a-token-in-clear-0123456789abcdef");
        },
        "BOTLINKD_TOKENS would put the secrets' values in Lambda's environment",
    );
}

#[test]
fn mutation_a_table_that_is_not_retained_is_caught() {
    assert_caught(
        |t| t["Resources"][TABLE]["DeletionPolicy"] = Yaml::from("Delete"),
        "DeletionPolicy must be Retain",
    );
    assert_caught(
        |t| {
            t["Resources"][TABLE]["Properties"]
                .as_mapping_mut()
                .unwrap()
                .remove("PointInTimeRecoverySpecification");
        },
        "point-in-time recovery",
    );
}

#[test]
fn mutation_keys_or_indexes_other_than_the_stores_are_caught() {
    assert_caught(
        |t| t["Resources"][TABLE]["Properties"]["KeySchema"][1]["AttributeName"] = Yaml::from("id"),
        "KeySchema must be",
    );
    assert_caught(
        |t| {
            t["Resources"][TABLE]["Properties"]["GlobalSecondaryIndexes"][0]["IndexName"] =
                Yaml::from("by_number");
        },
        &format!("no index {}", item::BY_PHONE_INDEX),
    );
    assert_caught(
        |t| {
            table_index_mut(t, item::BY_QUARANTINE_DAY_INDEX)["KeySchema"][1]["AttributeName"] =
                Yaml::from(item::OCCURRED_AT);
        },
        &format!("no index {}", item::BY_QUARANTINE_DAY_INDEX),
    );
}

#[test]
fn mutation_a_missing_output_or_router_mismatch_is_caught() {
    assert_caught(
        |t| {
            let outputs = t["Outputs"].as_mapping_mut().unwrap();
            let url = outputs
                .iter()
                .find(|(_, o)| {
                    sub_string(&o["Value"]).is_some_and(|s| s.ends_with(Route::BotlinkdAcks.path()))
                })
                .map(|(name, _)| name.clone())
                .expect("the acks URL output");
            outputs.remove(&url);
        },
        &format!("{} URL", Route::BotlinkdAcks.path()),
    );
    // The router check compares against the template: re-route one path in the template.
    assert_caught(
        |t| {
            let event = first_event_mut(t, Function::Ack);
            // A path no route has.
            event["Properties"]["Path"] =
                Yaml::from(Route::BotlinkdAcks.path().trim_end_matches('s'));
        },
        "Route::ALL",
    );
}
