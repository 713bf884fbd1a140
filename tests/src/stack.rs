//! The template evaluated as CloudFormation would deploy it for a set of stack parameters
//! (parameters, conditions, `!Ref`, `!GetAtt`, `!Sub`, `!If`), so that template checks see the
//! values AWS would see, not the YAML's shape.

use std::collections::BTreeMap;

use serde_yaml_ng::Value as Yaml;

use crate::template::intrinsic;

/// The stack name the evaluated template is deployed under.
pub const STACK: &str = "webhooks-prod";
/// The region it is deployed in.
pub const REGION: &str = "eu-west-1";
/// The account it is deployed in.
pub const ACCOUNT: &str = "123456789012";

/// The template as deployed with some stack parameters: evaluates intrinsics to strings. A
/// resource's `!Ref` or `!GetAtt` evaluates to `<LogicalId>` / `<LogicalId.Attribute>`.
pub struct Stack<'a> {
    /// The template.
    pub template: &'a Yaml,
    /// Each stack parameter's value.
    pub parameters: BTreeMap<String, String>,
}

impl<'a> Stack<'a> {
    /// The stack with each parameter's default, overridden by `overrides`.
    pub fn new(template: &'a Yaml, overrides: &[(&str, &str)]) -> Stack<'a> {
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
    pub fn reference(&self, name: &str) -> Option<String> {
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
    pub fn condition(&self, name: &str) -> bool {
        let condition = &self.template["Conditions"][name];
        assert!(!condition.is_null(), "no condition {name}");
        self.truth(condition)
    }

    pub fn truth(&self, value: &Yaml) -> bool {
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

    /// `value` with its `!If`s chosen for this stack; `None` for `AWS::NoValue`: what an item of
    /// a list or a property is once deployed (a table's indexes, a function's property).
    pub fn chosen(&self, value: &'a Yaml) -> Option<&'a Yaml> {
        match intrinsic(value) {
            Some((name, args)) if name == "Fn::If" => {
                let args = args.as_sequence()?;
                let branch = match self.condition(args[0].as_str()?) {
                    true => &args[1],
                    false => &args[2],
                };
                self.chosen(branch)
            }
            Some((name, arg)) if name == "Ref" && arg.as_str() == Some("AWS::NoValue") => None,
            _ if value.is_null() => None,
            _ => Some(value),
        }
    }

    /// The items of the list `value` as deployed ([`Stack::chosen`]): those an `!If` leaves out
    /// are gone.
    pub fn items(&self, value: &'a Yaml) -> Vec<&'a Yaml> {
        value
            .as_sequence()
            .into_iter()
            .flatten()
            .filter_map(|item| self.chosen(item))
            .collect()
    }

    /// A value as a string; `None` for `AWS::NoValue`.
    pub fn eval(&self, value: &Yaml) -> Option<String> {
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
            "Fn::Join" => {
                let args = arg.as_sequence().expect("!Join [separator, [values]]");
                let separator = args[0].as_str().expect("a separator");
                Some(self.list(&args[1]).join(separator))
            }
            "Fn::Select" => {
                let args = arg.as_sequence().expect("!Select [index, list]");
                let index = self.eval(&args[0]).expect("an index");
                let index: usize = index.parse().expect("a number");
                let list = self.list(&args[1]);
                Some(
                    list.get(index)
                        .unwrap_or_else(|| panic!("!Select {index} of {list:?}: out of range"))
                        .clone(),
                )
            }
            other => panic!("{other} is not evaluated here"),
        }
    }

    /// A list value: a YAML sequence (each item evaluated, `AWS::NoValue` left out) or `!Split`.
    pub fn list(&self, value: &Yaml) -> Vec<String> {
        match intrinsic(value) {
            Some((name, arg)) if name == "Fn::Split" => {
                let args = arg.as_sequence().expect("!Split [separator, text]");
                let separator = args[0].as_str().expect("a separator");
                let text = self.eval(&args[1]).expect("a text to split");
                text.split(separator).map(str::to_owned).collect()
            }
            Some((name, _)) => panic!("{name} is not a list here"),
            None => value
                .as_sequence()
                .expect("a list")
                .iter()
                .filter_map(|item| self.eval(item))
                .collect(),
        }
    }

    /// Whether a resource exists in this stack: it has no `Condition`, or its condition holds.
    pub fn exists(&self, logical_id: &str) -> bool {
        let resource = &self.template["Resources"][logical_id];
        assert!(!resource.is_null(), "no resource {logical_id}");
        resource["Condition"]
            .as_str()
            .is_none_or(|condition| self.condition(condition))
    }

    pub fn substitute(&self, text: &str, vars: &BTreeMap<String, String>) -> String {
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
