//! The admin's display preferences — language and theme — remembered in local storage.

use std::str::FromStr;

use leptos_i18n::Locale as _;

use crate::browser;
use crate::i18n::Locale;

const LANGUAGE_KEY: &str = "osdgate.language";
const THEME_KEY: &str = "osdgate.theme";

/// The language chosen before, if any.
pub fn saved_language() -> Option<Locale> {
    browser::preference(LANGUAGE_KEY).and_then(|tag| Locale::from_str(&tag).ok())
}

pub fn remember_language(locale: Locale) {
    browser::remember(LANGUAGE_KEY, locale.as_str());
}

/// Light, dark, or whatever the operating system prefers (`prefers-color-scheme`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(text: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|theme| theme.as_str() == text)
    }

    pub fn saved() -> Theme {
        browser::preference(THEME_KEY).and_then(|t| Theme::parse(&t)).unwrap_or_default()
    }

    /// Remembers the theme and applies it as `<html data-theme>` (public/boot.js applies the saved
    /// one before the console loads, so a dark page never flashes light).
    pub fn apply(self) {
        browser::remember(THEME_KEY, self.as_str());
        if let Some(root) =
            web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("data-theme", self.as_str());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Theme;

    #[test]
    fn themes_parse_their_own_names_only() {
        for theme in Theme::ALL {
            assert_eq!(Theme::parse(theme.as_str()), Some(theme));
        }
        assert_eq!(Theme::parse("Dark"), None);
    }
}
