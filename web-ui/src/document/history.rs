//! Undo and redo over whole values. Consecutive edits of one field (typing a word) coalesce into
//! one step, so undo takes back the word, not a letter.

/// The present value and the values before and after it.
#[derive(Debug, Clone, PartialEq)]
pub struct History<T> {
    present: T,
    past: Vec<T>,
    future: Vec<T>,
    /// The field the last edit changed, while further edits of it coalesce.
    coalescing: Option<String>,
    limit: usize,
}

impl<T: Clone + PartialEq> History<T> {
    /// How many steps back undo reaches by default.
    pub const DEFAULT_LIMIT: usize = 200;

    pub fn new(present: T) -> Self {
        Self::with_limit(present, Self::DEFAULT_LIMIT)
    }

    pub fn with_limit(present: T, limit: usize) -> Self {
        History {
            present,
            past: Vec::new(),
            future: Vec::new(),
            coalescing: None,
            limit: limit.max(1),
        }
    }

    pub fn present(&self) -> &T {
        &self.present
    }

    /// Records `next` as a new step. With `field`, further edits of the same field replace this
    /// step instead of adding one, until another field is edited or undo/redo runs. An edit that
    /// changes nothing records nothing. Returns whether the value changed.
    pub fn record(&mut self, next: T, field: Option<&str>) -> bool {
        if next == self.present {
            return false;
        }
        let coalesce = field.is_some() && self.coalescing.as_deref() == field;
        if !coalesce {
            let previous = std::mem::replace(&mut self.present, next);
            self.past.push(previous);
            if self.past.len() > self.limit {
                self.past.remove(0);
            }
        } else {
            self.present = next;
        }
        self.future.clear();
        self.coalescing = field.map(str::to_owned);
        true
    }

    /// Replaces the whole history with `present` (a document opened or imported is a new start
    /// of undo, but the value before it stays one undo away).
    pub fn replace(&mut self, present: T) -> bool {
        self.record(present, None)
    }

    pub fn can_undo(&self) -> bool {
        !self.past.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.future.is_empty()
    }

    /// Goes one step back; false when there is nothing to undo.
    pub fn undo(&mut self) -> bool {
        let Some(previous) = self.past.pop() else { return false };
        let current = std::mem::replace(&mut self.present, previous);
        self.future.push(current);
        self.coalescing = None;
        true
    }

    /// Goes one step forward again; false when there is nothing to redo.
    pub fn redo(&mut self) -> bool {
        let Some(next) = self.future.pop() else { return false };
        let current = std::mem::replace(&mut self.present, next);
        self.past.push(current);
        self.coalescing = None;
        true
    }

    /// Ends coalescing: the next edit of the same field is a step of its own (a field lost focus).
    pub fn seal(&mut self) {
        self.coalescing = None;
    }
}

#[cfg(test)]
mod tests {
    use super::History;

    #[test]
    fn undo_and_redo_walk_the_steps() {
        let mut history = History::new(0);
        assert!(!history.can_undo());
        history.record(1, None);
        history.record(2, None);
        assert!(history.undo());
        assert_eq!(*history.present(), 1);
        assert!(history.undo());
        assert_eq!(*history.present(), 0);
        assert!(!history.undo());
        assert!(history.redo());
        assert!(history.redo());
        assert_eq!(*history.present(), 2);
        assert!(!history.redo());
    }

    #[test]
    fn a_new_edit_after_undo_drops_the_redo_branch() {
        let mut history = History::new(0);
        history.record(1, None);
        history.undo();
        history.record(5, None);
        assert!(!history.can_redo());
        history.undo();
        assert_eq!(*history.present(), 0);
    }

    #[test]
    fn typing_in_one_field_is_one_step() {
        let mut history = History::new(String::new());
        for text in ["A", "AB", "ABC"] {
            history.record(text.to_owned(), Some("site.code"));
        }
        history.record("ABC!".to_owned(), Some("site.version"));
        history.undo();
        assert_eq!(history.present(), "ABC");
        history.undo();
        assert_eq!(history.present(), "");
    }

    #[test]
    fn seal_and_undo_end_coalescing() {
        let mut history = History::new(0);
        history.record(1, Some("f"));
        history.seal();
        history.record(2, Some("f"));
        history.undo();
        assert_eq!(*history.present(), 1);
        history.record(3, Some("f"));
        history.record(4, Some("f"));
        history.undo();
        assert_eq!(*history.present(), 1);
    }

    #[test]
    fn unchanged_values_record_nothing_and_the_limit_holds() {
        let mut history = History::with_limit(0, 3);
        assert!(!history.record(0, None));
        assert!(!history.can_undo());
        for value in 1..=10 {
            history.record(value, None);
        }
        let mut steps = 0;
        while history.undo() {
            steps += 1;
        }
        assert_eq!(steps, 3);
        assert_eq!(*history.present(), 7);
    }
}
