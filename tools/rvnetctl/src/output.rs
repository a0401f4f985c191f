// SPDX-License-Identifier: GPL-2.0

//! Output formatting, kept apart from fetching: a command builds a value, this module
//! turns it into a table for people or JSON for scripts.

use std::io::{self, Write};

use serde::Serialize;

use crate::error::Result;

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned `label value` lines.
    Table,
    /// One JSON document on one line (`-j`).
    Json,
    /// Indented JSON (`-j -p`).
    JsonPretty,
}

impl Format {
    /// The format the global flags ask for; `-p` only matters with `-j`.
    pub fn from_flags(json: bool, pretty: bool) -> Self {
        match (json, pretty) {
            (false, _) => Format::Table,
            (true, false) => Format::Json,
            (true, true) => Format::JsonPretty,
        }
    }
}

/// A value shown as `label value` lines.
pub trait Table {
    /// The lines, in order; labels are aligned when rendered.
    fn rows(&self) -> Vec<(&'static str, String)>;
}

/// Renders `rows` with the values aligned one space after the longest label.
pub fn table(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(label, value)| format!("{label:<width$} {value}\n"))
        .collect()
}

/// Renders `value` in `format`, ending with a newline.
pub fn render<T: Serialize + Table>(value: &T, format: Format) -> Result<String> {
    let json = match format {
        Format::Table => return Ok(table(&value.rows())),
        Format::Json => serde_json::to_string(value),
        Format::JsonPretty => serde_json::to_string_pretty(value),
    };
    Ok(json.map_err(io::Error::other)? + "\n")
}

/// Prints `value` in `format` on stdout.
pub fn print<T: Serialize + Table>(value: &T, format: Format) -> Result<()> {
    let text = render(value, format)?;
    io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Sample {
        name: &'static str,
        count: u32,
    }

    impl Table for Sample {
        fn rows(&self) -> Vec<(&'static str, String)> {
            vec![
                ("name", self.name.into()),
                ("count", self.count.to_string()),
            ]
        }
    }

    const SAMPLE: Sample = Sample {
        name: "a",
        count: 2,
    };

    #[test]
    fn flags_choose_format() {
        assert_eq!(Format::from_flags(false, false), Format::Table);
        assert_eq!(Format::from_flags(false, true), Format::Table);
        assert_eq!(Format::from_flags(true, false), Format::Json);
        assert_eq!(Format::from_flags(true, true), Format::JsonPretty);
    }

    #[test]
    fn table_aligns_values() {
        assert_eq!(
            render(&SAMPLE, Format::Table).unwrap(),
            "name  a\ncount 2\n"
        );
    }

    #[test]
    fn json_is_one_line() {
        assert_eq!(
            render(&SAMPLE, Format::Json).unwrap(),
            "{\"name\":\"a\",\"count\":2}\n"
        );
    }

    #[test]
    fn pretty_json_is_indented() {
        assert_eq!(
            render(&SAMPLE, Format::JsonPretty).unwrap(),
            "{\n  \"name\": \"a\",\n  \"count\": 2\n}\n"
        );
    }
}
