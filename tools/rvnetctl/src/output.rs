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

/// A value shown as one row of a table under a header line (a list of devices).
pub trait Row {
    /// The column titles; `stats` (how many times `-s` was given) adds the counters'
    /// columns.
    fn header(stats: u8) -> Vec<&'static str>;
    /// This value's cells, in the header's order.
    fn cells(&self, stats: u8) -> Vec<String>;
}

/// Renders rows of cells as left-aligned columns two spaces apart, without trailing
/// spaces.
pub fn columns(rows: &[Vec<String>]) -> String {
    let count = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..count)
        .map(|i| {
            rows.iter()
                .filter_map(|row| row.get(i))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths) {
            line += &format!("{cell:<width$}  ");
        }
        out += line.trim_end();
        out.push('\n');
    }
    out
}

/// Renders `items`: a table with a header line, or a JSON array (`[]` when empty).
pub fn render_rows<T: Serialize + Row>(items: &[T], format: Format, stats: u8) -> Result<String> {
    let json = match format {
        Format::Table => {
            let header = T::header(stats).into_iter().map(str::to_owned).collect();
            let rows: Vec<_> = std::iter::once(header)
                .chain(items.iter().map(|item| item.cells(stats)))
                .collect();
            return Ok(columns(&rows));
        }
        Format::Json => serde_json::to_string(items),
        Format::JsonPretty => serde_json::to_string_pretty(items),
    };
    Ok(json.map_err(io::Error::other)? + "\n")
}

/// Prints `items` in `format` on stdout.
pub fn print_rows<T: Serialize + Row>(items: &[T], format: Format, stats: u8) -> Result<()> {
    let text = render_rows(items, format, stats)?;
    io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
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

    impl Row for Sample {
        fn header(stats: u8) -> Vec<&'static str> {
            match stats {
                0 => vec!["NAME", "COUNT"],
                _ => vec!["NAME", "COUNT", "MORE"],
            }
        }
        fn cells(&self, stats: u8) -> Vec<String> {
            let mut cells = vec![self.name.to_owned(), self.count.to_string()];
            if stats > 0 {
                cells.push("x".into());
            }
            cells
        }
    }

    const LONG: Sample = Sample {
        name: "longer-name",
        count: 12345,
    };

    #[test]
    fn rows_as_aligned_columns() {
        assert_eq!(
            render_rows(&[SAMPLE, LONG], Format::Table, 0).unwrap(),
            "NAME         COUNT\n\
             a            2\n\
             longer-name  12345\n"
        );
        assert_eq!(
            render_rows(&[SAMPLE], Format::Table, 1).unwrap(),
            "NAME  COUNT  MORE\na     2      x\n"
        );
    }

    #[test]
    fn no_rows_is_a_header_or_an_empty_array() {
        let none: [Sample; 0] = [];
        assert_eq!(
            render_rows(&none, Format::Table, 0).unwrap(),
            "NAME  COUNT\n"
        );
        assert_eq!(render_rows(&none, Format::Json, 0).unwrap(), "[]\n");
    }

    #[test]
    fn rows_as_json_array() {
        assert_eq!(
            render_rows(&[SAMPLE, LONG], Format::Json, 1).unwrap(),
            "[{\"name\":\"a\",\"count\":2},{\"name\":\"longer-name\",\"count\":12345}]\n"
        );
    }

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
