//! GPT-2's byte ↔ character mapping, the alphabet of byte-level BPE vocabularies.
//!
//! Byte-level BPE works on bytes, so that any text (any language, emoji, even broken UTF-8)
//! can be tokenized without an unknown token. But vocabularies and merge lists are stored as
//! text, and some bytes are awkward in text: control characters, the space (which separates
//! the two halves of a merge rule), and the bytes 0x80..0xFF that are not characters on their
//! own. GPT-2's answer (`bytes_to_unicode` in its `encoder.py`) gives every byte a printable
//! stand-in character:
//!
//! - the 188 bytes that are already printable Latin-1 characters (`!`..`~`, `¡`..`¬`,
//!   `®`..`ÿ`) stand for themselves;
//! - the other 68 (0x00..0x20, 0x7F..0xA0, 0xAD), in increasing order, get the characters
//!   U+0100, U+0101, ... in turn. So the space 0x20, the 33rd of them, is U+0120 `Ġ`, and the
//!   newline 0x0A is U+010A `Ċ`.
//!
//! A token like `Ġthe` is therefore the bytes " the". Encoding maps each byte of a word to its
//! character before BPE; decoding maps each character of a token back to its byte.

/// Whether byte `b` is printable in Latin-1 and so stands for itself.
const fn stands_for_itself(b: u8) -> bool {
    matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF)
}

/// The number of bytes that need a stand-in (256 - 188).
const N_SHIFTED: usize = 68;

/// The bytes that need a stand-in, in increasing order: `SHIFTED[n]` is written U+0100 + n.
const SHIFTED: [u8; N_SHIFTED] = {
    let mut table = [0u8; N_SHIFTED];
    let (mut b, mut n) = (0usize, 0usize);
    while b < 256 {
        if !stands_for_itself(b as u8) {
            table[n] = b as u8;
            n += 1;
        }
        b += 1;
    }
    assert!(n == N_SHIFTED);
    table
};

/// Byte → character, for all 256 bytes.
const BYTE_TO_CHAR: [char; 256] = {
    let mut table = ['\0'; 256];
    let mut n = 0u32;
    let mut b = 0usize;
    while b < 256 {
        table[b] = if stands_for_itself(b as u8) {
            b as u8 as char
        } else {
            n += 1;
            // 0x100 + n - 1 < 0x144 is always a valid char.
            match char::from_u32(0x100 + n - 1) {
                Some(c) => c,
                None => panic!("not a char"),
            }
        };
        b += 1;
    }
    table
};

/// The stand-in character of byte `b`.
pub(super) fn byte_to_char(b: u8) -> char {
    BYTE_TO_CHAR[b as usize]
}

/// The byte a character stands for, or `None` for a character outside the alphabet.
pub(super) fn char_to_byte(c: char) -> Option<u8> {
    let c = c as u32;
    if c < 256 && stands_for_itself(c as u8) {
        return Some(c as u8);
    }
    let n = c.checked_sub(0x100)? as usize;
    SHIFTED.get(n).copied()
}

/// A word's bytes written in the byte alphabet: the form BPE and the vocabulary work in.
pub(super) fn encode(text: &str) -> String {
    text.bytes().map(byte_to_char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_a_bijection_between_bytes_and_its_alphabet() {
        let mut seen = std::collections::HashSet::new();
        for b in 0..=255u8 {
            let c = byte_to_char(b);
            assert!(seen.insert(c), "byte {b:#04x} shares its char {c:?}");
            assert_eq!(char_to_byte(c), Some(b), "round trip of byte {b:#04x}");
        }
        // Every char that maps to a byte is one of the 256 above: nothing else decodes.
        for c in (0..0x400).filter_map(char::from_u32) {
            assert_eq!(char_to_byte(c).is_some(), seen.contains(&c), "{c:?}");
        }
    }

    #[test]
    fn known_stand_ins() {
        assert_eq!(byte_to_char(b' '), 'Ġ');
        assert_eq!(byte_to_char(b'\n'), 'Ċ');
        assert_eq!(byte_to_char(b'\t'), 'ĉ');
        assert_eq!(byte_to_char(0x00), 'Ā');
        assert_eq!(byte_to_char(b'a'), 'a');
        assert_eq!(byte_to_char(0xAD), 'Ń');
        assert_eq!(encode(" é"), "ĠÃ©");
        assert_eq!(char_to_byte('€'), None);
    }
}
