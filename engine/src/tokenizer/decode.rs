//! Token ids back to bytes: llama.cpp's `token_to_piece`.
//!
//! A token's text in the vocabulary is not what it stands for: byte-level BPE writes bytes in
//! GPT-2's alphabet (`Ġthe` is " the"), SentencePiece writes spaces as `▁` and raw bytes as
//! `<0xE2>`. Decoding undoes that spelling. Pieces are bytes, not strings: a multi-byte
//! character is often split over two tokens (the emoji 🦙 is four bytes, which may come as
//! two or more tokens), so one token's piece may be a fragment of UTF-8.
//!
//! What each token type decodes to:
//!
//! | type | decodes to |
//! |---|---|
//! | normal | its text, un-spelled as above |
//! | byte (`<0xXX>`) | the byte XX |
//! | user-defined | its text as is |
//! | control, unknown | its text as is if special tokens are rendered, else nothing |
//! | unused, undefined | nothing |

use super::byte_map;
use super::config::Algorithm;
use super::spm;
use super::vocab::{TokenType, Vocab};

/// Appends the bytes of token `id` to `out`. An id outside the vocabulary adds nothing.
pub(super) fn append_piece(vocab: &Vocab, algorithm: Algorithm, id: u32, render_special: bool, out: &mut Vec<u8>) {
    let (Some(ty), Some(text)) = (vocab.token_type(id), vocab.text(id)) else { return };
    match ty {
        TokenType::Normal => match algorithm {
            Algorithm::Spm => out.extend_from_slice(text.replace(spm::SPACE, " ").as_bytes()),
            Algorithm::Bpe { .. } => append_byte_level(text, out),
        },
        TokenType::Byte => match parse_byte_token(text) {
            Some(b) => out.push(b),
            None => out.extend_from_slice(text.as_bytes()),
        },
        TokenType::UserDefined => out.extend_from_slice(text.as_bytes()),
        TokenType::Control | TokenType::Unknown if render_special => out.extend_from_slice(text.as_bytes()),
        TokenType::Control | TokenType::Unknown | TokenType::Unused | TokenType::Undefined => {}
    }
}

/// Maps each character of a byte-level token back to its byte. A character outside GPT-2's
/// alphabet (possible only in a vocabulary built by hand) is kept as its UTF-8 bytes, where
/// llama.cpp writes an `[UNK_BYTE_0x..]` marker.
fn append_byte_level(text: &str, out: &mut Vec<u8>) {
    for c in text.chars() {
        match byte_map::char_to_byte(c) {
            Some(b) => out.push(b),
            None => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
}

/// The byte of a byte-fallback token's text, `<0xXX>` with two hex digits.
fn parse_byte_token(text: &str) -> Option<u8> {
    let hex = text.strip_prefix("<0x")?.strip_suffix('>')?;
    // Two hex digits exactly (`from_str_radix` alone would also take "+F").
    if hex.len() != 2 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u8::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_tokens_parse() {
        assert_eq!(parse_byte_token("<0x0A>"), Some(b'\n'));
        assert_eq!(parse_byte_token("<0xff>"), Some(0xFF));
        assert_eq!(parse_byte_token("<0xF>"), None);
        assert_eq!(parse_byte_token("<0x+F>"), None);
        assert_eq!(parse_byte_token("0x41"), None);
    }

    #[test]
    fn byte_level_text_maps_back_to_bytes() {
        let mut out = Vec::new();
        append_byte_level("ĠÃ©Ċ", &mut out);
        assert_eq!(out, " é\n".as_bytes());
    }
}
