//! The admin credential (the relay's `ADMIN_TOKEN`), kept for this browser tab only: in memory and
//! in the tab's `sessionStorage`, so a reload of the tab keeps it and closing the tab forgets it.
//! Never in local storage or IndexedDB, which outlive the session (issue 10).

use leptos::prelude::*;

use crate::browser;

/// The `sessionStorage` key.
const SESSION_KEY: &str = "osdgate.admin-credential";

/// The admin credential of this tab; `Copy`, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct AdminCredential(RwSignal<Option<String>>);

impl AdminCredential {
    /// The credential this tab was given before a reload, if any.
    pub fn from_session() -> Self {
        let saved = browser::session_value(SESSION_KEY).filter(|token| !token.trim().is_empty());
        AdminCredential(RwSignal::new(saved))
    }

    /// The credential (tracked); `None` until the admin signs in.
    pub fn get(&self) -> Option<String> {
        self.0.get()
    }

    pub fn get_untracked(&self) -> Option<String> {
        self.0.get_untracked()
    }

    pub fn is_set(&self) -> bool {
        self.0.with(Option::is_some)
    }

    /// Keeps `token` for this tab (surrounding spaces from a paste are dropped).
    pub fn set(&self, token: &str) {
        let token = token.trim().to_owned();
        browser::keep_in_session(SESSION_KEY, &token);
        self.0.set(Some(token));
    }

    /// Forgets the credential in memory and in the tab's storage.
    pub fn forget(&self) {
        browser::forget_in_session(SESSION_KEY);
        self.0.set(None);
    }
}

/// The credential provided by the app.
pub fn use_admin_credential() -> AdminCredential {
    expect_context::<AdminCredential>()
}
