//! What the fuzz targets share: another spelling of a JSON text, and an independent reading of
//! the digits a text shows. Written apart from the code under test, so that a target checks that
//! code against a second opinion instead of against itself.

use std::fmt::Write;

use serde_json::value::RawValue;

/// How [`respell`] writes a JSON text differently from the way it came.
#[derive(Debug, Clone, Copy)]
pub enum Spelling {
    /// Object keys in reverse order, spaces and newlines around every token, `/` escaped.
    Loose,
    /// No whitespace, every character outside ASCII as a `\u` escape (surrogate pairs too).
    Escaped,
}

/// The nesting `respell` follows; deeper texts are not respelled (the body hash reads them as
/// bytes past its own limit of 128).
const MAX_DEPTH: usize = 100;

/// `text` written another way that means the same JSON value (numbers keep their text), or
/// `None` when it is not one JSON value, repeats a key in an object, or nests too deep.
pub fn respell(text: &str, spelling: Spelling) -> Option<String> {
    let value: &RawValue = serde_json::from_str(text).ok()?;
    let mut out = String::new();
    write(value, spelling, &mut out, 0)?;
    if let Spelling::Loose = spelling {
        out.insert_str(0, " \n");
        out.push_str("\r\n");
    }
    Some(out)
}

fn write(value: &RawValue, spelling: Spelling, out: &mut String, depth: usize) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    let text = value.get().trim();
    let space = match spelling {
        Spelling::Loose => " \n\t",
        Spelling::Escaped => "",
    };
    match text.as_bytes().first()? {
        b'{' => {
            let mut entries = serde_json::from_str::<Entries>(text).ok()?.0;
            let mut names: Vec<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            if names.len() != entries.len() {
                return None;
            }
            if let Spelling::Loose = spelling {
                entries.reverse();
            }
            out.push('{');
            for (i, (name, field)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(space);
                write_string(name, spelling, out);
                out.push_str(space);
                out.push(':');
                out.push_str(space);
                write(field, spelling, out, depth + 1)?;
                out.push_str(space);
            }
            out.push('}');
        }
        b'[' => {
            let items: Vec<&RawValue> = serde_json::from_str(text).ok()?;
            out.push('[');
            for (i, item) in items.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(space);
                write(item, spelling, out, depth + 1)?;
            }
            out.push_str(space);
            out.push(']');
        }
        b'"' => {
            let string: String = serde_json::from_str(text).ok()?;
            write_string(&string, spelling, out);
        }
        _ => out.push_str(text),
    }
    Some(())
}

fn write_string(string: &str, spelling: Spelling, out: &mut String) {
    out.push('"');
    for c in string.chars() {
        match (c, spelling) {
            ('"', _) => out.push_str("\\\""),
            ('\\', _) => out.push_str("\\\\"),
            ('/', Spelling::Loose) => out.push_str("\\/"),
            (c, _) if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32).unwrap(),
            (c, Spelling::Escaped) if !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(out, "\\u{unit:04X}").unwrap();
                }
            }
            (c, _) => out.push(c),
        }
    }
    out.push('"');
}

/// Every name-value pair of a JSON object, in order, repeats included.
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Entries<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Entries<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Entries<'a>, M::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// The characters a person puts between the digit groups of a phone number, as the masking
/// target writes them: ASCII and Unicode spaces, dashes and the minus sign, dots, parentheses and
/// `+`. Kept apart from `webhook_payload::is_number_separator` on purpose.
pub const SEPARATORS: [char; 14] = [
    ' ', '-', '.', '(', ')', '+', '\t', '\n', '\u{a0}', '\u{202f}', '\u{2007}', '\u{2010}',
    '\u{2013}', '\u{2212}',
];

/// Separators in a row that still join digit groups into one number, for [`digit_runs`].
pub const JOINER: usize = 3;

/// The digits `text` shows as runs: digits joined by at most [`JOINER`] of [`SEPARATORS`] in a
/// row, each run with the text it spans. A reader of a page sees each as one number.
pub fn digit_runs(text: &str) -> Vec<(String, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let (mut digits, mut spanned) = (String::new(), String::new());
        let mut j = i;
        let mut pending = String::new();
        while j < chars.len() {
            let c = chars[j];
            if c.is_ascii_digit() {
                spanned.push_str(&pending);
                pending.clear();
                spanned.push(c);
                digits.push(c);
            } else if SEPARATORS.contains(&c) && pending.chars().count() < JOINER {
                pending.push(c);
            } else {
                break;
            }
            j += 1;
        }
        i = j;
        runs.push((digits, spanned));
    }
    runs
}
