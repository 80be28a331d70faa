//! Step and group conditions (spec section 4): variable expressions are evaluated here; WMI, file,
//! folder, registry and software expressions go to a [`Probe`] of the platform, which may answer
//! "not evaluable here". Operators combine three-valued results: a definite answer wins where it
//! decides (`false` in an `and`, `true` in an `or`), otherwise "not evaluable" stays.

use std::cmp::Ordering;

use osdgate_model::model::{
    Condition, ConditionExpression, ConditionItem, ExpressionType, LogicalOperator,
};

use crate::variables::Variables;

/// The value of a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    /// The condition cannot be decided on this platform or with these inputs; the reason says why
    /// in plain words.
    NotEvaluable(String),
}

impl Truth {
    pub fn from_bool(value: bool) -> Self {
        if value { Truth::True } else { Truth::False }
    }

    fn negate(self) -> Self {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            other => other,
        }
    }
}

/// Answers the expressions that need the machine (WMI, file, folder, registry, software).
pub trait Probe {
    /// Evaluates `expression` (its properties already expanded by the caller where they hold text).
    fn probe(&self, expression: &ConditionExpression) -> Truth;
}

/// A platform with no way to query the machine: Linux, and every dry run (which must not touch the
/// disk or the registry). Every machine expression is "not evaluable here".
#[derive(Debug, Clone, Copy, Default)]
pub struct NoMachineProbe;

impl Probe for NoMachineProbe {
    fn probe(&self, expression: &ConditionExpression) -> Truth {
        let what = match &expression.expression_type {
            ExpressionType::Wmi => format!(
                "the WMI query {:?} is not evaluable here: this platform has no WMI",
                expression.property("Query").unwrap_or_default()
            ),
            ExpressionType::File => format!(
                "the file condition on {:?} is not evaluable here: a dry run or a non-Windows host does not read the target disk",
                expression.property("Path").unwrap_or_default()
            ),
            ExpressionType::Folder => format!(
                "the folder condition on {:?} is not evaluable here: a dry run or a non-Windows host does not read the target disk",
                expression.property("Path").unwrap_or_default()
            ),
            ExpressionType::Registry => format!(
                "the registry condition on {:?} is not evaluable here: this platform has no Windows registry",
                expression.property("KeyPath").unwrap_or_default()
            ),
            ExpressionType::Software => {
                "the installed-software condition is not evaluable here: Windows PE has no installed software inventory".to_owned()
            }
            other => format!(
                "the condition class {} is not known to osdgate-agent",
                other.class_name()
            ),
        };
        Truth::NotEvaluable(what)
    }
}

/// Evaluates `condition` (its items are ANDed).
pub fn evaluate(condition: &Condition, variables: &Variables, probe: &dyn Probe) -> Truth {
    all(&condition.items, variables, probe)
}

fn all(items: &[ConditionItem], variables: &Variables, probe: &dyn Probe) -> Truth {
    let mut undecided = None;
    for item in items {
        match item_truth(item, variables, probe) {
            Truth::False => return Truth::False,
            Truth::True => {}
            not_evaluable => undecided = undecided.or(Some(not_evaluable)),
        }
    }
    undecided.unwrap_or(Truth::True)
}

fn any(items: &[ConditionItem], variables: &Variables, probe: &dyn Probe) -> Truth {
    let mut undecided = None;
    for item in items {
        match item_truth(item, variables, probe) {
            Truth::True => return Truth::True,
            Truth::False => {}
            not_evaluable => undecided = undecided.or(Some(not_evaluable)),
        }
    }
    undecided.unwrap_or(Truth::False)
}

fn item_truth(item: &ConditionItem, variables: &Variables, probe: &dyn Probe) -> Truth {
    match item {
        ConditionItem::Operator(operator) => match operator.operator {
            LogicalOperator::And => all(&operator.items, variables, probe),
            LogicalOperator::Or => any(&operator.items, variables, probe),
            // The model's `not`: no operand holds.
            LogicalOperator::Not => any(&operator.items, variables, probe).negate(),
        },
        ConditionItem::Expression(expression) => match expression.expression_type {
            ExpressionType::Variable => variable_expression(expression, variables),
            _ => {
                let mut expanded = expression.clone();
                for property in &mut expanded.properties {
                    property.value = variables.expand(&property.value);
                }
                probe.probe(&expanded)
            }
        },
    }
}

/// `SMS_TaskSequence_VariableConditionExpression`: `Variable`, `Operator`, `Value`. Operators:
/// `exists`, `notExists`, `equals`, `notEquals`, `greater`, `greaterEqual`, `less`, `lessEqual`,
/// `like` (`%` any text, `_` one character). Comparisons ignore case; the ordering operators compare
/// numbers as numbers when both sides are integers. A variable that is not set makes every
/// comparison false (only `notExists` holds).
fn variable_expression(expression: &ConditionExpression, variables: &Variables) -> Truth {
    let Some(name) = expression.property("Variable").filter(|n| !n.trim().is_empty()) else {
        return Truth::NotEvaluable(
            "a variable condition has no Variable property; set the variable's name".to_owned(),
        );
    };
    let operator = expression.property("Operator").unwrap_or("equals");
    let wanted = variables.expand(expression.property("Value").unwrap_or_default());
    let actual = variables.get(name);
    let known = [
        "exists",
        "notexists",
        "equals",
        "notequals",
        "greater",
        "greaterequal",
        "less",
        "lessequal",
        "like",
    ];
    let operator_lower = operator.to_ascii_lowercase();
    if !known.contains(&operator_lower.as_str()) {
        return Truth::NotEvaluable(format!(
            "the variable condition on {name} uses the operator {operator:?}, which osdgate-agent does not know (use one of exists, notExists, equals, notEquals, greater, greaterEqual, less, lessEqual, like)"
        ));
    }
    let Some(actual) = actual else {
        return Truth::from_bool(operator_lower == "notexists");
    };
    let ordering = || compare(actual, &wanted);
    Truth::from_bool(match operator_lower.as_str() {
        "exists" => true,
        "notexists" => false,
        "equals" => actual.to_lowercase() == wanted.to_lowercase(),
        "notequals" => actual.to_lowercase() != wanted.to_lowercase(),
        "greater" => ordering() == Ordering::Greater,
        "greaterequal" => ordering() != Ordering::Less,
        "less" => ordering() == Ordering::Less,
        "lessequal" => ordering() != Ordering::Greater,
        _ => like(&actual.to_lowercase(), &wanted.to_lowercase()),
    })
}

fn compare(actual: &str, wanted: &str) -> Ordering {
    match (actual.trim().parse::<i128>(), wanted.trim().parse::<i128>()) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        _ => actual.to_lowercase().cmp(&wanted.to_lowercase()),
    }
}

/// SQL `LIKE` with `%` and `_`, iterative (no recursion, linear memory).
fn like(text: &str, pattern: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    let (mut t, mut p) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '_' || pattern[p] == text[t]) {
            t += 1;
            p += 1;
        } else if p < pattern.len() && pattern[p] == '%' {
            backtrack = Some((p, t));
            p += 1;
        } else if let Some((star, matched)) = backtrack {
            p = star + 1;
            t = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '%')
}

#[cfg(test)]
mod tests {
    use osdgate_model::model::{ConditionOperator, GlobalVariable};

    use super::*;

    fn var(variable: &str, operator: &str, value: &str) -> ConditionItem {
        ConditionItem::Expression(ConditionExpression {
            expression_type: ExpressionType::Variable,
            properties: vec![
                GlobalVariable { name: "Operator".into(), value: operator.into() },
                GlobalVariable { name: "Value".into(), value: value.into() },
                GlobalVariable { name: "Variable".into(), value: variable.into() },
            ],
        })
    }

    fn wmi() -> ConditionItem {
        ConditionItem::Expression(ConditionExpression {
            expression_type: ExpressionType::Wmi,
            properties: vec![GlobalVariable {
                name: "Query".into(),
                value: "SELECT * FROM Win32_ComputerSystem WHERE Model LIKE '%Virtual%'".into(),
            }],
        })
    }

    fn op(operator: LogicalOperator, items: Vec<ConditionItem>) -> ConditionItem {
        ConditionItem::Operator(ConditionOperator { operator, items })
    }

    fn eval(items: Vec<ConditionItem>, vars: &Variables) -> Truth {
        evaluate(&Condition { items }, vars, &NoMachineProbe)
    }

    fn vars() -> Variables {
        let mut v = Variables::default();
        v.set("Model", "HP EliteBook 840", false).unwrap();
        v.set("Memory", "16384", false).unwrap();
        v.set("Threshold", "8192", false).unwrap();
        v.set_built_in(crate::variables::IN_WINPE, "true");
        v
    }

    #[test]
    fn variable_operators() {
        let v = vars();
        let t = |item| eval(vec![item], &v);
        assert_eq!(t(var("_SMSTSInWinPE", "equals", "TRUE")), Truth::True);
        assert_eq!(t(var("model", "like", "hp %840")), Truth::True);
        assert_eq!(t(var("Model", "like", "Dell%")), Truth::False);
        assert_eq!(t(var("Memory", "greater", "%Threshold%")), Truth::True, "numeric and expanded");
        assert_eq!(t(var("Memory", "less", "9")), Truth::False, "16384 > 9 as numbers");
        assert_eq!(t(var("Memory", "greaterEqual", "16384")), Truth::True);
        assert_eq!(t(var("Missing", "notExists", "")), Truth::True);
        assert_eq!(t(var("Missing", "equals", "")), Truth::False);
        assert_eq!(t(var("Missing", "notEquals", "x")), Truth::False);
        assert_eq!(t(var("Model", "exists", "")), Truth::True);
        assert_eq!(t(var("Model", "notEquals", "x")), Truth::True);
        assert!(
            matches!(t(var("Model", "contains", "HP")), Truth::NotEvaluable(m) if m.contains("contains"))
        );
        assert!(matches!(t(var("", "equals", "HP")), Truth::NotEvaluable(_)));
    }

    #[test]
    fn three_valued_operators() {
        let v = vars();
        let yes = || var("Model", "exists", "");
        let no = || var("Model", "notExists", "");
        assert_eq!(eval(vec![no(), wmi()], &v), Truth::False, "false decides an and");
        assert!(
            matches!(eval(vec![yes(), wmi()], &v), Truth::NotEvaluable(m) if m.contains("WMI"))
        );
        assert_eq!(eval(vec![op(LogicalOperator::Or, vec![wmi(), yes()])], &v), Truth::True);
        assert!(matches!(
            eval(vec![op(LogicalOperator::Or, vec![wmi(), no()])], &v),
            Truth::NotEvaluable(_)
        ));
        assert_eq!(eval(vec![op(LogicalOperator::Not, vec![no(), no()])], &v), Truth::True);
        assert_eq!(eval(vec![op(LogicalOperator::Not, vec![no(), yes()])], &v), Truth::False);
        assert_eq!(eval(vec![], &v), Truth::True);
    }

    #[test]
    fn like_patterns() {
        assert!(like("abc", "a%"));
        assert!(like("abc", "%c"));
        assert!(like("abc", "a_c"));
        assert!(like("", "%"));
        assert!(!like("abc", "a_"));
        assert!(like("aaaaaaaaaaaaaaaaaaaaaaab", "%a%a%a%a%b"));
        assert!(!like("aaaaaaaaaaaaaaaaaaaaaaaa", "%a%a%a%a%b"));
    }
}
