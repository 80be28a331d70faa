//! Editing a step's or group's condition as a tree, as the task-sequence editor's Options tab does:
//! expressions (task sequence variable, WMI query, file, folder, registry) combined by `and`, `or`
//! and `not` operators. Items are addressed by their path of indices from the condition's top
//! level (whose items are ANDed); every edit either succeeds or leaves the condition unchanged.
//!
//! The fields each expression type has, and their rules, are here too, so the editor validates at
//! the field with the property names ConfigMgr writes and `osdgate-agent` evaluates.

use super::step_settings::{
    SettingChoice, SettingKind, SettingPlace, SettingProblem, SettingRule, SettingSpec,
};
use super::task_sequence::{
    Condition, ConditionExpression, ConditionItem, ConditionOperator, ExpressionType,
    GlobalVariable, LogicalOperator,
};

/// Why a condition edit was refused; the condition is unchanged. Paths are spelled as indices
/// (`2.0`: the first item of the third).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConditionEditError {
    /// Nothing is at the path.
    #[error("the condition has no item {path}; choose an item of the condition")]
    NoSuchItem {
        /// The path asked for.
        path: String,
    },
    /// The parent is an expression, which holds no items.
    #[error(
        "item {path} is an expression, so nothing can be put inside it; choose an and, or or not group"
    )]
    NotAnOperator {
        /// The would-be parent.
        path: String,
    },
    /// A property edit on an operator.
    #[error(
        "item {path} is an and, or or not group, which has no properties; choose an expression"
    )]
    NotAnExpression {
        /// The item.
        path: String,
    },
}

fn spell(path: &[usize]) -> String {
    path.iter().map(usize::to_string).collect::<Vec<_>>().join(".")
}

/// One field of a condition expression (a `<variable name="...">` of the `<expression>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpressionField {
    /// A stable key for the label and the field's id, translated by the console.
    pub key: &'static str,
    /// The property name ConfigMgr writes (`Variable`, `Query`, `KeyPath`).
    pub name: &'static str,
    /// Its kind.
    pub kind: SettingKind,
    /// Whether the expression means nothing without it.
    pub required: bool,
    /// The further rule its value follows.
    pub rule: SettingRule,
}

impl ExpressionField {
    /// Checks `value` against the field's kind and rule.
    pub fn validate(&self, value: &str) -> Result<(), SettingProblem> {
        let spec = SettingSpec {
            key: self.key,
            place: SettingPlace::Variable { name: self.name, property: self.name },
            kind: self.kind,
            required: self.required,
            rule: self.rule,
        };
        spec.validate(value)?;
        let trimmed = value.trim();
        let problem = match self.name {
            "Query" if !trimmed.is_empty() && !starts_with_ignore_case(trimmed, "SELECT ") => {
                Some("a WMI condition is a WQL query: SELECT * FROM Win32_... WHERE ...")
            }
            "KeyPath"
                if !trimmed.is_empty()
                    && !REGISTRY_ROOTS.iter().any(|root| {
                        starts_with_ignore_case(trimmed, root)
                            && trimmed[root.len()..].starts_with(['\\'])
                    }) =>
            {
                Some(
                    "a registry key starts with its hive: HKEY_LOCAL_MACHINE\\, HKEY_CURRENT_USER\\, HKEY_USERS\\ or HKEY_CLASSES_ROOT\\",
                )
            }
            _ => None,
        };
        match problem {
            Some(message) => {
                Err(SettingProblem { setting: self.name, message: message.to_owned() })
            }
            None => Ok(()),
        }
    }
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

const REGISTRY_ROOTS: &[&str] =
    &["HKEY_LOCAL_MACHINE", "HKEY_CURRENT_USER", "HKEY_USERS", "HKEY_CLASSES_ROOT"];

const fn choice(value: &'static str, key: &'static str) -> SettingChoice {
    SettingChoice { value, key }
}

/// The variable condition's operators, as the agent evaluates them.
const VARIABLE_OPERATORS: &[SettingChoice] = &[
    choice("equals", "equals"),
    choice("notEquals", "not_equals"),
    choice("greater", "greater"),
    choice("greaterEqual", "greater_equal"),
    choice("less", "less"),
    choice("lessEqual", "less_equal"),
    choice("exists", "exists"),
    choice("notExists", "not_exists"),
    choice("like", "like"),
];

const COMPARISONS: &[SettingChoice] = &[
    choice("equals", "equals"),
    choice("notEquals", "not_equals"),
    choice("greater", "greater"),
    choice("greaterEqual", "greater_equal"),
    choice("less", "less"),
    choice("lessEqual", "less_equal"),
];

const REGISTRY_OPERATORS: &[SettingChoice] = &[
    choice("exists", "exists"),
    choice("notExists", "not_exists"),
    choice("equals", "equals"),
    choice("notEquals", "not_equals"),
    choice("greater", "greater"),
    choice("greaterEqual", "greater_equal"),
    choice("less", "less"),
    choice("lessEqual", "less_equal"),
];

const REGISTRY_TYPES: &[SettingChoice] = &[
    choice("REG_SZ", "reg_sz"),
    choice("REG_EXPAND_SZ", "reg_expand_sz"),
    choice("REG_DWORD", "reg_dword"),
    choice("REG_MULTI_SZ", "reg_multi_sz"),
];

const fn field(
    key: &'static str,
    name: &'static str,
    kind: SettingKind,
    required: bool,
) -> ExpressionField {
    ExpressionField { key, name, kind, required, rule: SettingRule::None }
}

const VARIABLE_FIELDS: &[ExpressionField] = &[
    field("variable", "Variable", SettingKind::Text, true),
    field("operator", "Operator", SettingKind::Choice(VARIABLE_OPERATORS), true),
    field("value", "Value", SettingKind::Text, false),
];

const WMI_FIELDS: &[ExpressionField] = &[
    field("namespace", "Namespace", SettingKind::Text, true),
    field("query", "Query", SettingKind::Text, true),
];

const FILE_FIELDS: &[ExpressionField] = &[
    ExpressionField {
        rule: SettingRule::WindowsPath,
        ..field("path", "Path", SettingKind::Text, true)
    },
    field("version", "Version", SettingKind::Text, false),
    field("version_operator", "VersionOperator", SettingKind::Choice(COMPARISONS), false),
    field("date_time", "DateTime", SettingKind::Text, false),
    field("date_time_operator", "DateTimeOperator", SettingKind::Choice(COMPARISONS), false),
];

const FOLDER_FIELDS: &[ExpressionField] = &[
    ExpressionField {
        rule: SettingRule::WindowsPath,
        ..field("path", "Path", SettingKind::Text, true)
    },
    field("date_time", "DateTime", SettingKind::Text, false),
    field("date_time_operator", "DateTimeOperator", SettingKind::Choice(COMPARISONS), false),
];

const REGISTRY_FIELDS: &[ExpressionField] = &[
    field("key_path", "KeyPath", SettingKind::Text, true),
    field("value_name", "ValueName", SettingKind::Text, false),
    field("operator", "Operator", SettingKind::Choice(REGISTRY_OPERATORS), true),
    field("value_type", "Type", SettingKind::Choice(REGISTRY_TYPES), false),
    field("value", "Value", SettingKind::Text, false),
];

impl ExpressionType {
    /// The expression types the editor adds, in the order of its menu.
    pub const EDITABLE: [ExpressionType; 5] = [
        ExpressionType::Variable,
        ExpressionType::Wmi,
        ExpressionType::File,
        ExpressionType::Folder,
        ExpressionType::Registry,
    ];

    /// The fields of this expression type; empty for types without a catalog (their properties
    /// are shown as imported).
    pub fn known_fields(&self) -> &'static [ExpressionField] {
        match self {
            ExpressionType::Variable => VARIABLE_FIELDS,
            ExpressionType::Wmi => WMI_FIELDS,
            ExpressionType::File => FILE_FIELDS,
            ExpressionType::Folder => FOLDER_FIELDS,
            ExpressionType::Registry => REGISTRY_FIELDS,
            _ => &[],
        }
    }

    /// A new expression of this type as the editor adds it: its required choices preset (`equals`,
    /// `exists`) and the WMI namespace `root\cimv2`.
    pub fn new_expression(&self) -> ConditionExpression {
        let preset: &[(&str, &str)] = match self {
            ExpressionType::Variable => &[("Variable", ""), ("Operator", "equals"), ("Value", "")],
            ExpressionType::Wmi => &[("Namespace", "root\\cimv2"), ("Query", "")],
            ExpressionType::File | ExpressionType::Folder => &[("Path", "")],
            ExpressionType::Registry => &[("KeyPath", ""), ("Operator", "exists")],
            _ => &[],
        };
        ConditionExpression {
            expression_type: self.clone(),
            properties: preset
                .iter()
                .map(|(name, value)| GlobalVariable {
                    name: (*name).to_owned(),
                    value: (*value).to_owned(),
                })
                .collect(),
        }
    }
}

impl ConditionExpression {
    /// Sets the property `name` (found case-insensitively, so an imported spelling and place are
    /// kept); a new property is appended.
    pub fn set_property(&mut self, name: &str, value: &str) {
        match self.properties.iter_mut().find(|p| p.name.eq_ignore_ascii_case(name)) {
            Some(property) => property.value = value.to_owned(),
            None => self
                .properties
                .push(GlobalVariable { name: name.to_owned(), value: value.to_owned() }),
        }
    }

    /// Every known field whose value breaks its rule.
    pub fn problems(&self) -> Vec<SettingProblem> {
        self.expression_type
            .known_fields()
            .iter()
            .filter_map(|f| f.validate(self.property(f.name).unwrap_or("")).err())
            .collect()
    }
}

impl Condition {
    /// A condition holding one item.
    pub fn of(item: ConditionItem) -> Self {
        Condition { items: vec![item] }
    }

    /// The item at `path`, if any.
    pub fn item(&self, path: &[usize]) -> Option<&ConditionItem> {
        let (last, parent) = path.split_last()?;
        self.items_at(parent)?.get(*last)
    }

    /// The item at `path`, to change it in place.
    pub fn item_mut(&mut self, path: &[usize]) -> Option<&mut ConditionItem> {
        let (last, parent) = path.split_last()?;
        self.items_at_mut(parent)?.get_mut(*last)
    }

    fn items_at(&self, parent: &[usize]) -> Option<&Vec<ConditionItem>> {
        let mut items = &self.items;
        for index in parent {
            match items.get(*index)? {
                ConditionItem::Operator(operator) => items = &operator.items,
                ConditionItem::Expression(_) => return None,
            }
        }
        Some(items)
    }

    fn items_at_mut(&mut self, parent: &[usize]) -> Option<&mut Vec<ConditionItem>> {
        let mut items = &mut self.items;
        for index in parent {
            match items.get_mut(*index)? {
                ConditionItem::Operator(operator) => items = &mut operator.items,
                ConditionItem::Expression(_) => return None,
            }
        }
        Some(items)
    }

    /// Inserts `item` so that it ends up at `at` (parent path plus index, which may be the number
    /// of items to append).
    pub fn insert_item(
        &mut self,
        at: &[usize],
        item: ConditionItem,
    ) -> Result<(), ConditionEditError> {
        let Some((index, parent)) = at.split_last() else {
            return Err(ConditionEditError::NoSuchItem { path: spell(at) });
        };
        if !parent.is_empty() && self.item(parent).is_none() {
            return Err(ConditionEditError::NoSuchItem { path: spell(parent) });
        }
        let items = self
            .items_at_mut(parent)
            .ok_or(ConditionEditError::NotAnOperator { path: spell(parent) })?;
        if *index > items.len() {
            return Err(ConditionEditError::NoSuchItem { path: spell(at) });
        }
        items.insert(*index, item);
        Ok(())
    }

    /// Removes the item at `path` (an operator with everything in it) and returns it.
    pub fn remove_item(&mut self, path: &[usize]) -> Result<ConditionItem, ConditionEditError> {
        let missing = || ConditionEditError::NoSuchItem { path: spell(path) };
        self.item(path).ok_or_else(missing)?;
        let (index, parent) = path.split_last().ok_or_else(missing)?;
        Ok(self.items_at_mut(parent).ok_or_else(missing)?.remove(*index))
    }

    /// Puts the item at `path` inside a new `operator` (`not` negates it; `and`/`or` start a group
    /// to add more items to). The new operator takes the item's place.
    pub fn wrap_item(
        &mut self,
        path: &[usize],
        operator: LogicalOperator,
    ) -> Result<(), ConditionEditError> {
        let item =
            self.item_mut(path).ok_or(ConditionEditError::NoSuchItem { path: spell(path) })?;
        let inner = std::mem::replace(
            item,
            ConditionItem::Operator(ConditionOperator { operator, items: Vec::new() }),
        );
        if let ConditionItem::Operator(wrapper) = item {
            wrapper.items.push(inner);
        }
        Ok(())
    }

    /// Changes the operator at `path` to `operator` (`and`, `or`, `not`), keeping its items.
    pub fn set_operator(
        &mut self,
        path: &[usize],
        operator: LogicalOperator,
    ) -> Result<(), ConditionEditError> {
        match self.item_mut(path) {
            Some(ConditionItem::Operator(found)) => {
                found.operator = operator;
                Ok(())
            }
            Some(ConditionItem::Expression(_)) => {
                Err(ConditionEditError::NotAnOperator { path: spell(path) })
            }
            None => Err(ConditionEditError::NoSuchItem { path: spell(path) }),
        }
    }

    /// Sets the property `name` of the expression at `path`.
    pub fn set_property(
        &mut self,
        path: &[usize],
        name: &str,
        value: &str,
    ) -> Result<(), ConditionEditError> {
        match self.item_mut(path) {
            Some(ConditionItem::Expression(expression)) => {
                expression.set_property(name, value);
                Ok(())
            }
            Some(ConditionItem::Operator(_)) => {
                Err(ConditionEditError::NotAnExpression { path: spell(path) })
            }
            None => Err(ConditionEditError::NoSuchItem { path: spell(path) }),
        }
    }

    /// Every expression's field problems, with the expression's path, depth first.
    pub fn problems(&self) -> Vec<(Vec<usize>, SettingProblem)> {
        fn walk(
            items: &[ConditionItem],
            prefix: &mut Vec<usize>,
            out: &mut Vec<(Vec<usize>, SettingProblem)>,
        ) {
            for (index, item) in items.iter().enumerate() {
                prefix.push(index);
                match item {
                    ConditionItem::Operator(operator) => walk(&operator.items, prefix, out),
                    ConditionItem::Expression(expression) => {
                        out.extend(expression.problems().into_iter().map(|p| (prefix.clone(), p)))
                    }
                }
                prefix.pop();
            }
        }
        let mut out = Vec::new();
        walk(&self.items, &mut Vec::new(), &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variable(name: &str) -> ConditionItem {
        let mut expression = ExpressionType::Variable.new_expression();
        expression.set_property("Variable", name);
        expression.set_property("Value", "true");
        ConditionItem::Expression(expression)
    }

    #[test]
    fn builds_or_and_not_trees() {
        let mut condition = Condition::of(variable("_SMSTSBootUEFI"));
        condition.wrap_item(&[0], LogicalOperator::Or).unwrap();
        condition
            .insert_item(&[0, 1], ConditionItem::Expression(ExpressionType::Wmi.new_expression()))
            .unwrap();
        condition.wrap_item(&[0, 1], LogicalOperator::And).unwrap();
        condition
            .insert_item(
                &[0, 1, 1],
                ConditionItem::Expression(ExpressionType::File.new_expression()),
            )
            .unwrap();
        condition.wrap_item(&[0, 1, 1], LogicalOperator::Not).unwrap();
        condition.set_property(&[0, 1, 1, 0], "Path", "X:\\legacy.flag").unwrap();
        condition.set_property(&[0, 1, 0], "Query", "SELECT * FROM Win32_ComputerSystem").unwrap();
        // The same shape as the corpus's partition step: or(variable, and(wmi, not(file))).
        let xml = crate::tasksequence::to_xml(&{
            let mut step = crate::model::Step::new(crate::model::StepType::RunCommandLine, "s");
            step.condition = Some(condition.clone());
            crate::model::TaskSequence {
                id: String::new(),
                name: String::new(),
                boot_image_id: None,
                sequence_version: "3.10".into(),
                sequence_attributes: vec![],
                references: vec![],
                global_variables: vec![],
                steps: vec![crate::model::Node::Step(step)],
            }
        });
        let reread = crate::tasksequence::import_xml(&xml).unwrap();
        let crate::model::Node::Step(step) = &reread.steps[0] else { panic!() };
        assert_eq!(step.condition.as_ref(), Some(&condition));
        assert!(condition.problems().is_empty(), "{:?}", condition.problems());

        condition.set_operator(&[0], LogicalOperator::And).unwrap();
        assert_eq!(
            condition.set_operator(&[0, 0], LogicalOperator::Or),
            Err(ConditionEditError::NotAnOperator { path: "0.0".into() })
        );
        assert_eq!(
            condition.set_property(&[0], "Path", "x"),
            Err(ConditionEditError::NotAnExpression { path: "0".into() })
        );
        let before = condition.clone();
        assert_eq!(
            condition.insert_item(&[0, 0, 0], variable("x")),
            Err(ConditionEditError::NotAnOperator { path: "0.0".into() })
        );
        assert_eq!(
            condition.remove_item(&[3]),
            Err(ConditionEditError::NoSuchItem { path: "3".into() })
        );
        assert_eq!(condition, before);
        let removed = condition.remove_item(&[0, 1]).unwrap();
        assert!(matches!(
            removed,
            ConditionItem::Operator(ConditionOperator { operator: LogicalOperator::And, .. })
        ));
        assert_eq!(condition.items.len(), 1);
    }

    #[test]
    fn fields_validate() {
        let mut wmi = ExpressionType::Wmi.new_expression();
        let problems = wmi.problems();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].setting, "Query");
        wmi.set_property("Query", "Win32_ComputerSystem");
        assert!(wmi.problems()[0].message.contains("SELECT"));
        let mut registry = ExpressionType::Registry.new_expression();
        registry.set_property("KeyPath", "SOFTWARE\\Contoso");
        assert!(registry.problems()[0].message.contains("HKEY_LOCAL_MACHINE"));
        registry.set_property("keypath", "HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso");
        assert!(registry.problems().is_empty());
        assert_eq!(registry.properties.len(), 2, "an existing property is set in place");
        let mut variable = ExpressionType::Variable.new_expression();
        variable.set_property("Variable", "_SMSTSInWinPE");
        assert!(variable.problems().is_empty(), "reading a read-only variable is fine");
        variable.set_property("Operator", "contains");
        assert!(variable.problems()[0].message.contains("equals, notEquals"));
        for expression_type in ExpressionType::EDITABLE {
            assert!(!expression_type.known_fields().is_empty());
            let expression = expression_type.new_expression();
            for problem in expression.problems() {
                assert!(problem.message.starts_with("required"), "{expression_type}: {problem}");
            }
        }
    }
}
