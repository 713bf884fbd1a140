//! Just enough HTTP/1.1 for the harness and the raw DynamoDB floor: one message at a time over a
//! kept-alive connection, bodies framed by `Content-Length` or chunked encoding.

use std::io::{self, BufRead};

/// One HTTP/1.1 request or response.
#[derive(Debug, Default)]
pub struct Message {
    /// The request line or status line, without CRLF.
    pub start_line: String,
    /// Header names lowercased, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The decoded body.
    pub body: Vec<u8>,
}

impl Message {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The method and path of a request line.
    pub fn method_and_path(&self) -> (&str, &str) {
        let mut parts = self.start_line.split(' ');
        (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        )
    }

    /// The status code of a status line (0 if unparsable).
    pub fn status(&self) -> u16 {
        self.start_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0)
    }
}

fn invalid(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

fn read_line<R: BufRead>(reader: &mut R, line: &mut String) -> io::Result<usize> {
    line.clear();
    let n = reader.read_line(line)?;
    while line.ends_with('\n') || line.ends_with('\r') {
        line.pop();
    }
    Ok(n)
}

/// Reads the next message; `Ok(None)` on a clean end of stream before its first byte.
pub fn read_message<R: BufRead>(reader: &mut R) -> io::Result<Option<Message>> {
    let mut line = String::new();
    // Tolerate stray empty lines between messages (RFC 9112 section 2.2).
    loop {
        if read_line(reader, &mut line)? == 0 {
            return Ok(None);
        }
        if !line.is_empty() {
            break;
        }
    }
    let mut message = Message {
        start_line: std::mem::take(&mut line),
        ..Message::default()
    };
    loop {
        if read_line(reader, &mut line)? == 0 {
            return Err(invalid("end of stream inside the header"));
        }
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| invalid(format!("bad header line {line:?}")))?;
        message
            .headers
            .push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let chunked = message
        .header("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    if chunked {
        loop {
            read_line(reader, &mut line)?;
            let size = line.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size, 16)
                .map_err(|_| invalid(format!("bad chunk size {line:?}")))?;
            if size == 0 {
                // Trailers, then the final empty line.
                while read_line(reader, &mut line)? > 0 && !line.is_empty() {}
                break;
            }
            let start = message.body.len();
            message.body.resize(start + size, 0);
            reader.read_exact(&mut message.body[start..])?;
            read_line(reader, &mut line)?;
        }
    } else if let Some(length) = message.header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| invalid(format!("bad content-length {length:?}")))?;
        message.body.resize(length, 0);
        reader.read_exact(&mut message.body)?;
    }
    Ok(Some(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_content_length_and_chunked_messages_back_to_back() {
        let wire = b"POST /a HTTP/1.1\r\nContent-Length: 3\r\nX-A: b\r\n\r\nabc\
HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n3;x=y\r\n!!!\r\n0\r\n\r\n";
        let mut reader = io::BufReader::new(&wire[..]);
        let first = read_message(&mut reader).unwrap().unwrap();
        assert_eq!(first.method_and_path(), ("POST", "/a"));
        assert_eq!(first.header("x-a"), Some("b"));
        assert_eq!(first.body, b"abc");
        let second = read_message(&mut reader).unwrap().unwrap();
        assert_eq!(second.status(), 202);
        assert_eq!(second.body, b"hi!!!");
        assert!(read_message(&mut reader).unwrap().is_none());
    }
}
