//! Editing a task sequence's tree of groups and steps, as the console's task-sequence editor does:
//! insert, remove, move up and down, indent into the group above, outdent, move anywhere (drag and
//! drop), disable, and group a run of siblings.
//!
//! A node is addressed by its path of indices from the top (`[1, 0]` is the first child of the
//! second top-level node; [`TaskSequence::step_path`] spells it as preflight does). Every operation
//! either succeeds or returns a [`TreeEditError`] and leaves the sequence unchanged, and none
//! touches what a node holds beyond what it is asked to change: a step osdgate does not know and an
//! element kept verbatim export byte-identical wherever they are moved
//! (`tests/step_tree_proptest.rs`).

use super::task_sequence::{Group, Node, TaskSequence};

/// Where [`TaskSequence::move_node`] puts a node, relative to another node (paths as they are
/// before the move).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// Just before the node at this path, among its siblings.
    Before(Vec<usize>),
    /// Just after the node at this path, among its siblings.
    After(Vec<usize>),
    /// As the last child of the group at this path.
    IntoGroup(Vec<usize>),
}

/// Why a tree edit was refused; the sequence is unchanged. Paths are spelled as preflight spells
/// them (`steps[1].children[0]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeEditError {
    /// Nothing is at the path.
    #[error("there is no step or group at {path}; choose a step of the tree")]
    NoSuchNode {
        /// The path asked for.
        path: String,
    },
    /// The parent path names a step or a verbatim element, which hold no children.
    #[error("{path} is not a group, so nothing can be put inside it; choose a group")]
    NotAGroup {
        /// The would-be parent.
        path: String,
    },
    /// An element kept as written (such as `<subtasksequence>`) has no flags to change.
    #[error(
        "{path} is kept exactly as it was imported (an element osdgate does not interpret), so it cannot be disabled here; change it in ConfigMgr, or remove it"
    )]
    Verbatim {
        /// The verbatim node.
        path: String,
    },
    /// Move up on the very first node.
    #[error("{path} is already the first step of the task sequence")]
    AlreadyFirst {
        /// The node.
        path: String,
    },
    /// Move down on the very last node.
    #[error("{path} is already the last step of the task sequence")]
    AlreadyLast {
        /// The node.
        path: String,
    },
    /// Indent when the node above is not a group.
    #[error("the node above {path} is not a group; put a group above it first (Group selection)")]
    NoGroupAbove {
        /// The node.
        path: String,
    },
    /// Outdent on a top-level node.
    #[error("{path} is not inside a group, so it cannot move out of one")]
    AtTopLevel {
        /// The node.
        path: String,
    },
    /// A group moved into itself or one of its own groups.
    #[error("{path} cannot be moved into itself or a group inside it; drop it somewhere else")]
    IntoItself {
        /// The group being moved.
        path: String,
    },
    /// An empty run of nodes to group.
    #[error("select at least one step to group")]
    EmptySelection,
}

fn spell(path: &[usize]) -> String {
    if path.is_empty() { "the task sequence".to_owned() } else { TaskSequence::step_path(path) }
}

impl TaskSequence {
    /// The node at `path`, if any.
    pub fn node(&self, path: &[usize]) -> Option<&Node> {
        let (last, parent) = path.split_last()?;
        self.children(parent)?.get(*last)
    }

    /// The node at `path`, to change it in place.
    pub fn node_mut(&mut self, path: &[usize]) -> Option<&mut Node> {
        let (last, parent) = path.split_last()?;
        self.children_mut(parent)?.get_mut(*last)
    }

    /// The children of the group at `parent`, or the top level for an empty path; `None` when
    /// `parent` is not a group.
    pub fn children(&self, parent: &[usize]) -> Option<&Vec<Node>> {
        let mut nodes = &self.steps;
        for index in parent {
            match nodes.get(*index)? {
                Node::Group(group) => nodes = &group.children,
                Node::Step(_) | Node::Verbatim(_) => return None,
            }
        }
        Some(nodes)
    }

    fn children_mut(&mut self, parent: &[usize]) -> Option<&mut Vec<Node>> {
        let mut nodes = &mut self.steps;
        for index in parent {
            match nodes.get_mut(*index)? {
                Node::Group(group) => nodes = &mut group.children,
                Node::Step(_) | Node::Verbatim(_) => return None,
            }
        }
        Some(nodes)
    }

    /// Checks that a node exists at `path`.
    fn existing(&self, path: &[usize]) -> Result<(), TreeEditError> {
        match self.node(path) {
            Some(_) => Ok(()),
            None => Err(TreeEditError::NoSuchNode { path: spell(path) }),
        }
    }

    /// Inserts `node` so that it ends up at `at` (parent path plus index; the index may be the
    /// number of children, to append).
    pub fn insert_node(&mut self, at: &[usize], node: Node) -> Result<(), TreeEditError> {
        let Some((index, parent)) = at.split_last() else {
            return Err(TreeEditError::NoSuchNode { path: spell(at) });
        };
        if !parent.is_empty() && self.node(parent).is_none() {
            return Err(TreeEditError::NoSuchNode { path: spell(parent) });
        }
        let children =
            self.children_mut(parent).ok_or(TreeEditError::NotAGroup { path: spell(parent) })?;
        if *index > children.len() {
            return Err(TreeEditError::NoSuchNode { path: spell(at) });
        }
        children.insert(*index, node);
        Ok(())
    }

    /// Removes the node at `path` (a group with everything in it) and returns it.
    pub fn remove_node(&mut self, path: &[usize]) -> Result<Node, TreeEditError> {
        self.existing(path)?;
        let (index, parent) =
            path.split_last().ok_or(TreeEditError::NoSuchNode { path: spell(path) })?;
        let children =
            self.children_mut(parent).ok_or(TreeEditError::NoSuchNode { path: spell(path) })?;
        Ok(children.remove(*index))
    }

    /// Moves the node at `path` one place up among its siblings; the first node of a group moves
    /// out of it, to just above the group, so repeated moves walk a step through the whole tree
    /// (into a group only with [`TaskSequence::indent`]). Returns the node's new path.
    pub fn move_up(&mut self, path: &[usize]) -> Result<Vec<usize>, TreeEditError> {
        self.existing(path)?;
        let (index, parent) = split(path);
        if index > 0 {
            let children =
                self.children_mut(parent).ok_or(TreeEditError::NoSuchNode { path: spell(path) })?;
            children.swap(index, index - 1);
            return Ok(with_last(path, index - 1));
        }
        if parent.is_empty() {
            return Err(TreeEditError::AlreadyFirst { path: spell(path) });
        }
        self.move_node(path, Placement::Before(parent.to_vec()))
    }

    /// Moves the node at `path` one place down among its siblings; the last node of a group moves
    /// out of it, to just below the group. Returns the node's new path.
    pub fn move_down(&mut self, path: &[usize]) -> Result<Vec<usize>, TreeEditError> {
        self.existing(path)?;
        let (index, parent) = split(path);
        let sibling_count = self.children(parent).map_or(0, Vec::len);
        if index + 1 < sibling_count {
            let children =
                self.children_mut(parent).ok_or(TreeEditError::NoSuchNode { path: spell(path) })?;
            children.swap(index, index + 1);
            return Ok(with_last(path, index + 1));
        }
        if parent.is_empty() {
            return Err(TreeEditError::AlreadyLast { path: spell(path) });
        }
        self.move_node(path, Placement::After(parent.to_vec()))
    }

    /// Moves the node at `path` into the group just above it, as that group's last child.
    pub fn indent(&mut self, path: &[usize]) -> Result<Vec<usize>, TreeEditError> {
        self.existing(path)?;
        let (index, _) = split(path);
        let above = with_last(path, index.wrapping_sub(1));
        if index == 0 || !matches!(self.node(&above), Some(Node::Group(_))) {
            return Err(TreeEditError::NoGroupAbove { path: spell(path) });
        }
        self.move_node(path, Placement::IntoGroup(above))
    }

    /// Moves the node at `path` out of its group, to just below the group.
    pub fn outdent(&mut self, path: &[usize]) -> Result<Vec<usize>, TreeEditError> {
        self.existing(path)?;
        let (_, parent) = split(path);
        if parent.is_empty() {
            return Err(TreeEditError::AtTopLevel { path: spell(path) });
        }
        self.move_node(path, Placement::After(parent.to_vec()))
    }

    /// Moves the node at `from` to `to` (paths as they are before the move): what drag and drop
    /// does. Returns the node's new path.
    pub fn move_node(
        &mut self,
        from: &[usize],
        to: Placement,
    ) -> Result<Vec<usize>, TreeEditError> {
        self.existing(from)?;
        let (target, offset) = match &to {
            Placement::Before(target) => (target, 0),
            Placement::After(target) => (target, 1),
            Placement::IntoGroup(target) => (target, 0),
        };
        self.existing(target)?;
        if target.starts_with(from) {
            // Dropping a node before or after itself leaves it where it is.
            if target.as_slice() == from && !matches!(to, Placement::IntoGroup(_)) {
                return Ok(from.to_vec());
            }
            return Err(TreeEditError::IntoItself { path: spell(from) });
        }
        // Where the node goes, computed before anything changes so a refusal changes nothing.
        let mut destination = match &to {
            Placement::IntoGroup(group) => {
                let Some(Node::Group(found)) = self.node(group) else {
                    return Err(TreeEditError::NotAGroup { path: spell(group) });
                };
                let mut at = group.clone();
                at.push(found.children.len());
                at
            }
            Placement::Before(_) | Placement::After(_) => {
                let (index, parent) = split(target);
                let mut at = parent.to_vec();
                at.push(index + offset);
                at
            }
        };
        // Removing `from` shifts the later siblings of every node on its level.
        let depth = from.len() - 1;
        if destination.len() > depth
            && destination[..depth] == from[..depth]
            && destination[depth] > from[depth]
        {
            destination[depth] -= 1;
        }
        let node = self.remove_node(from)?;
        match self.insert_node(&destination, node.clone()) {
            Ok(()) => Ok(destination),
            Err(error) => {
                // Cannot happen with the paths checked above; put the node back all the same.
                let _ = self.insert_node(from, node);
                Err(error)
            }
        }
    }

    /// Disables (or enables) the step or group at `path`. Steps osdgate does not know can be
    /// disabled too (only their `disable` attribute changes); elements kept verbatim cannot.
    pub fn set_disabled(&mut self, path: &[usize], disabled: bool) -> Result<(), TreeEditError> {
        match self.node_mut(path) {
            Some(Node::Step(step)) => step.disabled = disabled,
            Some(Node::Group(group)) => group.disabled = disabled,
            Some(Node::Verbatim(_)) => return Err(TreeEditError::Verbatim { path: spell(path) }),
            None => return Err(TreeEditError::NoSuchNode { path: spell(path) }),
        }
        Ok(())
    }

    /// Puts the `count` siblings starting at `first` into a new group named `name`, which takes
    /// their place. Returns the group's path (that of `first`).
    pub fn group_nodes(
        &mut self,
        first: &[usize],
        count: usize,
        name: impl Into<String>,
    ) -> Result<Vec<usize>, TreeEditError> {
        if count == 0 {
            return Err(TreeEditError::EmptySelection);
        }
        self.existing(first)?;
        let (index, parent) = split(first);
        let last = with_last(first, index + count - 1);
        self.existing(&last)?;
        let children =
            self.children_mut(parent).ok_or(TreeEditError::NoSuchNode { path: spell(first) })?;
        let members: Vec<Node> = children.drain(index..index + count).collect();
        children.insert(
            index,
            Node::Group(Group {
                name: name.into(),
                description: String::new(),
                disabled: false,
                continue_on_error: false,
                condition: None,
                extra_attributes: Vec::new(),
                children: members,
            }),
        );
        Ok(first.to_vec())
    }

    /// Every node's path, depth first in document order (a group before its children).
    pub fn node_paths(&self) -> Vec<Vec<usize>> {
        fn walk(nodes: &[Node], prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
            for (index, node) in nodes.iter().enumerate() {
                prefix.push(index);
                out.push(prefix.clone());
                if let Node::Group(group) = node {
                    walk(&group.children, prefix, out);
                }
                prefix.pop();
            }
        }
        let mut out = Vec::new();
        walk(&self.steps, &mut Vec::new(), &mut out);
        out
    }
}

/// A non-empty path's last index and its parent.
fn split(path: &[usize]) -> (usize, &[usize]) {
    match path.split_last() {
        Some((last, parent)) => (*last, parent),
        None => (0, path),
    }
}

fn with_last(path: &[usize], last: usize) -> Vec<usize> {
    let mut out = path.to_vec();
    if let Some(slot) = out.last_mut() {
        *slot = last;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Step, StepType};

    fn step(name: &str) -> Node {
        Node::Step(Step::new(StepType::RunCommandLine, name))
    }

    fn group(name: &str, children: Vec<Node>) -> Node {
        Node::Group(Group {
            name: name.into(),
            description: String::new(),
            disabled: false,
            continue_on_error: false,
            condition: None,
            extra_attributes: Vec::new(),
            children,
        })
    }

    fn sequence(steps: Vec<Node>) -> TaskSequence {
        TaskSequence {
            id: "ABC00020".into(),
            name: "test".into(),
            boot_image_id: None,
            sequence_version: "3.10".into(),
            sequence_attributes: Vec::new(),
            references: Vec::new(),
            global_variables: Vec::new(),
            steps,
        }
    }

    /// The tree as text: `a [b c] d`.
    fn shape(nodes: &[Node]) -> String {
        nodes
            .iter()
            .map(|node| match node {
                Node::Step(s) => s.name.clone(),
                Node::Group(g) => format!("{}[{}]", g.name, shape(&g.children)),
                Node::Verbatim(v) => v.xml.clone(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn sample() -> TaskSequence {
        sequence(vec![step("a"), group("G", vec![step("b"), step("c")]), step("d")])
    }

    #[test]
    fn move_up_and_down_walk_through_groups() {
        let mut ts = sample();
        assert_eq!(ts.move_up(&[2]).unwrap(), vec![1]);
        assert_eq!(shape(&ts.steps), "a d G[b c]");
        assert_eq!(ts.move_down(&[1]).unwrap(), vec![2]);
        assert_eq!(ts.move_up(&[1, 0]).unwrap(), vec![1]);
        assert_eq!(shape(&ts.steps), "a b G[c] d");
        assert_eq!(ts.move_down(&[2, 0]).unwrap(), vec![3]);
        assert_eq!(shape(&ts.steps), "a b G[] c d");
        assert_eq!(ts.move_up(&[0]), Err(TreeEditError::AlreadyFirst { path: "steps[0]".into() }));
        assert_eq!(ts.move_down(&[4]), Err(TreeEditError::AlreadyLast { path: "steps[4]".into() }));
        assert_eq!(shape(&ts.steps), "a b G[] c d");
    }

    #[test]
    fn indent_and_outdent() {
        let mut ts = sample();
        assert_eq!(ts.indent(&[2]).unwrap(), vec![1, 2]);
        assert_eq!(shape(&ts.steps), "a G[b c d]");
        assert_eq!(ts.indent(&[0]), Err(TreeEditError::NoGroupAbove { path: "steps[0]".into() }));
        assert_eq!(ts.outdent(&[1, 0]).unwrap(), vec![2]);
        assert_eq!(shape(&ts.steps), "a G[c d] b");
        assert_eq!(ts.outdent(&[0]), Err(TreeEditError::AtTopLevel { path: "steps[0]".into() }));
    }

    #[test]
    fn move_node_adjusts_for_the_removed_place() {
        let mut ts = sample();
        assert_eq!(ts.move_node(&[0], Placement::After(vec![2])).unwrap(), vec![2]);
        assert_eq!(shape(&ts.steps), "G[b c] d a");
        assert_eq!(ts.move_node(&[2], Placement::Before(vec![0, 1])).unwrap(), vec![0, 1]);
        assert_eq!(shape(&ts.steps), "G[b a c] d");
        assert_eq!(ts.move_node(&[1], Placement::IntoGroup(vec![0])).unwrap(), vec![0, 3]);
        assert_eq!(shape(&ts.steps), "G[b a c d]");
        let before = ts.clone();
        assert_eq!(
            ts.move_node(&[0], Placement::IntoGroup(vec![0])),
            Err(TreeEditError::IntoItself { path: "steps[0]".into() })
        );
        assert_eq!(
            ts.move_node(&[0], Placement::Before(vec![0, 2])),
            Err(TreeEditError::IntoItself { path: "steps[0]".into() })
        );
        assert_eq!(
            ts.move_node(&[0, 0], Placement::IntoGroup(vec![0, 1])),
            Err(TreeEditError::NotAGroup { path: "steps[0].children[1]".into() })
        );
        assert_eq!(ts, before);
        assert_eq!(ts.move_node(&[0, 1], Placement::After(vec![0, 1])).unwrap(), vec![0, 1]);
        assert_eq!(ts, before);
    }

    #[test]
    fn group_and_disable() {
        let mut ts = sample();
        assert_eq!(ts.group_nodes(&[1, 0], 2, "Inner").unwrap(), vec![1, 0]);
        assert_eq!(shape(&ts.steps), "a G[Inner[b c]] d");
        assert_eq!(ts.group_nodes(&[0], 0, "x"), Err(TreeEditError::EmptySelection));
        assert_eq!(
            ts.group_nodes(&[2], 2, "x"),
            Err(TreeEditError::NoSuchNode { path: "steps[3]".into() })
        );
        ts.set_disabled(&[1, 0], true).unwrap();
        let Some(Node::Group(inner)) = ts.node(&[1, 0]) else { panic!() };
        assert!(inner.disabled);
        assert_eq!(ts.steps().iter().filter(|(_, disabled)| *disabled).count(), 2);
    }

    #[test]
    fn insert_and_remove() {
        let mut ts = sample();
        ts.insert_node(&[1, 2], step("e")).unwrap();
        ts.insert_node(&[0], step("z")).unwrap();
        assert_eq!(shape(&ts.steps), "z a G[b c e] d");
        assert_eq!(
            ts.insert_node(&[1, 0], step("x")),
            Err(TreeEditError::NotAGroup { path: "steps[1]".into() })
        );
        assert_eq!(
            ts.insert_node(&[9], step("x")),
            Err(TreeEditError::NoSuchNode { path: "steps[9]".into() })
        );
        let removed = ts.remove_node(&[2]).unwrap();
        assert_eq!(shape(&[removed]), "G[b c e]");
        assert_eq!(shape(&ts.steps), "z a d");
        assert_eq!(ts.node_paths(), vec![vec![0], vec![1], vec![2]]);
    }
}
