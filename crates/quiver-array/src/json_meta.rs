//! A small strict JSON reader (RFC 8259) for the serialized parameters of canonical
//! extension types. The metadata comes from untrusted files, so nesting is bounded and
//! every error is a message, never a panic. A hand-written reader instead of a
//! dependency: the canonical types need only a few shapes, and integers must be told
//! from other numbers exactly as Arrow C++ does (an integer is a number written without
//! fraction or exponent that fits in `i64`), whatever features a JSON crate is built with
//! elsewhere in the workspace.

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    /// A number written without fraction or exponent that fits in `i64`.
    Int(i64),
    /// Any other number.
    Number,
    Str(String),
    Array(Vec<Json>),
    /// Members in document order (a repeated key keeps its first value for [`get`]).
    ///
    /// [`get`]: Json::get
    Object(Vec<(String, Json)>),
}

/// Deepest nesting of arrays and objects accepted.
const MAX_DEPTH: usize = 64;

impl Json {
    /// The value of member `key` of an object (the first, if repeated).
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The kind of value, for messages: `null`, `bool`, `number`, `string`, `array` or
    /// `object`.
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "bool",
            Json::Int(_) | Json::Number => "number",
            Json::Str(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }
}

/// Parses one JSON document (surrounding whitespace allowed, nothing else).
pub(crate) fn parse(text: &str) -> Result<Json, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        at: 0,
    };
    p.skip_ws();
    if p.at == p.s.len() {
        return Err("no JSON found".into());
    }
    let v = p.value(0)?;
    p.skip_ws();
    if p.at != p.s.len() {
        return Err(format!(
            "unexpected text after the JSON value at byte {}",
            p.at
        ));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at byte {}", self.at))
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.at += 1;
        }
        hit
    }

    fn literal(&mut self, word: &str, v: Json) -> Result<Json, String> {
        if self.s.get(self.at..self.at + word.len()) == Some(word.as_bytes()) {
            self.at += word.len();
            Ok(v)
        } else {
            self.err("invalid literal")
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > MAX_DEPTH {
            return self.err("JSON nested too deeply");
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Json::Str),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => self.err("unexpected character"),
            None => self.err("unexpected end of JSON"),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, String> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.eat(b']') {
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            if self.eat(b']') {
                return Ok(Json::Array(items));
            }
            if !self.eat(b',') {
                return self.err("expected ',' or ']'");
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, String> {
        self.at += 1;
        let mut members = Vec::new();
        self.skip_ws();
        if self.eat(b'}') {
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return self.err("expected a member name");
            }
            let key = self.string()?;
            self.skip_ws();
            if !self.eat(b':') {
                return self.err("expected ':'");
            }
            self.skip_ws();
            members.push((key, self.value(depth + 1)?));
            self.skip_ws();
            if self.eat(b'}') {
                return Ok(Json::Object(members));
            }
            if !self.eat(b',') {
                return self.err("expected ',' or '}'");
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .s
            .get(self.at..self.at + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| {
                u32::from_str_radix(d, 16)
                    .ok()
                    .filter(|_| !d.starts_with('+'))
            });
        match digits {
            Some(v) => {
                self.at += 4;
                Ok(v)
            }
            None => self.err("invalid \\u escape"),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return self.err("unterminated string");
            };
            self.at += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return self.err("unterminated string");
                    };
                    self.at += 1;
                    let simple = match e {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(8),
                        b'f' => Some(12),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'u' => None,
                        _ => return self.err("invalid escape"),
                    };
                    if let Some(b) = simple {
                        out.push(b);
                        continue;
                    }
                    let mut cp = self.hex4()?;
                    if (0xD800..0xDC00).contains(&cp) {
                        if !(self.eat(b'\\') && self.eat(b'u')) {
                            return self.err("unpaired surrogate");
                        }
                        let low = self.hex4()?;
                        if !(0xDC00..0xE000).contains(&low) {
                            return self.err("unpaired surrogate");
                        }
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    let Some(ch) = char::from_u32(cp) else {
                        return self.err("unpaired surrogate");
                    };
                    out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                }
                0..0x20 => return self.err("control character in string"),
                _ => out.push(c),
            }
        }
        // The input is a `str` and escapes add whole characters, so this cannot fail.
        String::from_utf8(out).or_else(|_| self.err("invalid UTF-8 in string"))
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.at;
        self.eat(b'-');
        let int_start = self.at;
        let n = self.digits();
        if n == 0 || (n > 1 && self.s.get(int_start) == Some(&b'0')) {
            return Err(format!("invalid number at byte {start}"));
        }
        let mut integer = true;
        if self.eat(b'.') {
            integer = false;
            if self.digits() == 0 {
                return Err(format!("invalid number at byte {start}"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            integer = false;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return Err(format!("invalid number at byte {start}"));
            }
        }
        let text = std::str::from_utf8(self.s.get(start..self.at).unwrap_or(&[])).unwrap_or("");
        Ok(match text.parse::<i64>() {
            Ok(v) if integer => Json::Int(v),
            _ => Json::Number,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_errors() {
        let v = parse(r#" {"a": [1, -0, 2.5, 1e2, 9223372036854775808, null, true], "b": "\u00e9\ud83d\ude00\n"} "#)
            .unwrap();
        assert_eq!(
            v.get("a"),
            Some(&Json::Array(vec![
                Json::Int(1),
                Json::Int(0),
                Json::Number,
                Json::Number,
                Json::Number,
                Json::Null,
                Json::Bool(true)
            ]))
        );
        assert_eq!(v.get("b"), Some(&Json::Str("é😀\n".into())));
        assert_eq!(parse("").unwrap_err(), "no JSON found");
        assert_eq!(parse("[04]").unwrap_err(), "invalid number at byte 1");
        assert_eq!(parse("[1,]").unwrap_err(), "unexpected character at byte 3");
        assert_eq!(
            parse("{} x").unwrap_err(),
            "unexpected text after the JSON value at byte 3"
        );
        assert_eq!(
            parse("\"\\ud800\"").unwrap_err(),
            "unpaired surrogate at byte 7"
        );
        let deep = "[".repeat(100_000);
        assert_eq!(
            parse(&deep).unwrap_err(),
            "JSON nested too deeply at byte 65"
        );
    }
}
