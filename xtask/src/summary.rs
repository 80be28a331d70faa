//! Counting results across suites, and the one closing line CI reads: `N passed, N failed`.

use std::fmt;

/// The outcome of one suite: how many tests (or checks) passed, failed and were skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
}

impl Counts {
    pub fn check(ok: bool) -> Self {
        if ok {
            Counts { passed: 1, ..Counts::default() }
        } else {
            Counts { failed: 1, ..Counts::default() }
        }
    }

    pub fn add(&mut self, other: &Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)?;
        if self.skipped > 0 {
            write!(f, ", {} skipped", self.skipped)?;
        }
        Ok(())
    }
}

/// Sum the `test result:` lines libtest prints, one per test binary:
/// `test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; ...`.
pub fn parse_libtest(output: &str) -> Counts {
    let mut counts = Counts::default();
    for line in output.lines() {
        let Some(rest) = line.trim().strip_prefix("test result: ") else { continue };
        for part in rest.split(';') {
            let mut words = part.split_whitespace().rev();
            let (Some(label), Some(number)) = (words.next(), words.next()) else { continue };
            let Ok(number) = number.parse::<u64>() else { continue };
            match label {
                "passed" => counts.passed += number,
                "failed" => counts.failed += number,
                "ignored" => counts.skipped += number,
                _ => {}
            }
        }
    }
    counts
}

/// Read Playwright's JSON report `stats`: expected (passed), unexpected (failed), flaky (passed on
/// retry, counted as passed), skipped.
pub fn parse_playwright(report: &serde_json::Value) -> Option<Counts> {
    let stats = report.get("stats")?;
    let number = |key: &str| stats.get(key).and_then(serde_json::Value::as_u64).unwrap_or(0);
    Some(Counts {
        passed: number("expected") + number("flaky"),
        failed: number("unexpected"),
        skipped: number("skipped"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_lines_are_summed_across_binaries() {
        let output = "running 3 tests\n\
            test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s\n\
            test result: FAILED. 5 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 1.2s\n";
        assert_eq!(parse_libtest(output), Counts { passed: 8, failed: 2, skipped: 1 });
    }

    #[test]
    fn playwright_flaky_counts_as_passed() {
        let report = serde_json::json!({"stats": {"expected": 4, "unexpected": 1, "flaky": 1, "skipped": 2}});
        assert_eq!(parse_playwright(&report), Some(Counts { passed: 5, failed: 1, skipped: 2 }));
    }

    #[test]
    fn summary_line_is_the_plain_form_ci_reads() {
        assert_eq!(Counts { passed: 7, failed: 0, skipped: 0 }.to_string(), "7 passed, 0 failed");
        assert_eq!(
            Counts { passed: 7, failed: 1, skipped: 2 }.to_string(),
            "7 passed, 1 failed, 2 skipped"
        );
    }
}
