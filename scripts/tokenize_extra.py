#!/usr/bin/env python3
"""Extra tokenizer reference cases, tokenized by llama.cpp's llama-tokenize.

    python3 scripts/tokenize_extra.py [LLAMA_TOKENIZE [MODEL]] > engine/tests/data/tokenize-extra.json

LLAMA_TOKENIZE defaults to the binary that scripts/build-llama-cpp.sh builds (llama.cpp b11312);
MODEL to the cached default model (SmolLM2-135M-Instruct Q4_1). Each text goes to
`llama-tokenize --stdin --ids --no-escape --log-disable` (plus `--no-parse-special` where
parse_special is false) on standard input, byte for byte. The model adds no BOS, so the ids are
exactly `llama_tokenize(text, add_special=true, parse_special)`.

"variants" holds the same texts tokenized with other pre-tokenizers: for each name in VARIANTS,
gguf-py writes a copy of the model's metadata (no tensors: llama-tokenize loads the vocabulary
only) with `tokenizer.ggml.pre` changed, and llama-tokenize runs on that. Same vocabulary and
merges, different word cuts: this checks the GPT-2, Llama 3 (with its whole-word rule), Qwen2
and default patterns against llama.cpp's hand-written splitters.

"spm" holds the same texts tokenized by SentencePiece, on a vocabulary derived from SmolLM2's by
a fixed rule (see spm_vocab; engine/tests/tokenizer_vs_llama_cpp.rs builds the same one): no
SentencePiece model ships with the project, but llama.cpp's SentencePiece code runs on any
vocabulary with scores and byte tokens.

engine/tests/tokenizer_vs_llama_cpp.rs checks the engine against the committed output; the tests
never run llama.cpp. Add a case to CASES and rerun this script to extend the file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile

from gguf import GGUFReader, GGUFValueType, GGUFWriter

# (text, parse_special, what the case is about)
CASES: list[tuple[str, bool, str]] = [
    ("2024-01-15: 42 apples, 3.5 kg, 1,000,000 and 0x1F", True, "digits are split one by one"),
    ("Call 555-0199 or +44 20 7946 0958.", True, "numbers with separators"),
    ("DON'T WON'T I'M YOU'LL THEY'RE WE'VE SHE'D IT'S", True, "GPT-2 contractions are case-sensitive"),
    ("don't won't i'm you'll they're we've she'd it's", True, "lowercase contractions"),
    ("Multiple   spaces    here", True, "runs of spaces leave one to the next word"),
    ("   leading spaces", True, "leading whitespace"),
    ("trailing spaces   ", True, "trailing whitespace"),
    ("a\n\nb\n\n\nc", True, "newlines between words"),
    ("\n\n\n", True, "only newlines"),
    (" ", True, "a single space"),
    ("tabs\tand\t\tmore\t", True, "tabs"),
    ("mixed \t \n whitespace \r\n windows", True, "mixed whitespace and CRLF"),
    ("\u00a0nbsp\u2003emspace\u3000ideographic", True, "non-ASCII whitespace"),
    ("Ünïcödé façade naïve Ærøskøbing", True, "precomposed accented letters"),
    ("combining: e\u0301 a\u0308 n\u0303", True, "combining marks (\\p{M}, not letters)"),
    ("Ελληνικά Русский 中文 日本語 한국어 العربية हिन्दी", True, "other scripts"),
    ("emoji: 👍🏽 👨‍👩‍👧 🇫🇷 ❤️ 🦙", True, "emoji, skin tone, ZWJ sequence, flag, variation selector"),
    ("Say <|im_start|> in the middle", True, "a special token inside text"),
    ("Say <|im_start|> in the middle", False, "the same, parse_special off"),
    ("<|endoftext|><|im_end|>", True, "two special tokens back to back"),
    ("<|endoftext|><|im_end|>", False, "the same as text"),
    ("<reponame>foo<file_sep>bar.rs", True, "other control tokens"),
    ("<|im_start", True, "an unfinished special token is text"),
    ("Hello<|im_end|>", False, "parse_special off"),
    ("", False, "the empty string, parse_special off"),
    ("def f(x):\n    return x**2  # square\n", True, "code with indentation"),
    ("https://example.com/path?q=1&r=2#frag", True, "a URL"),
    ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", True, "one long word"),
    ("----------------------------------------", True, "a long run of punctuation"),
    ("\r\n", True, "a lone CRLF"),
    ("x", True, "one letter"),
    ("Numbers 1234567 and 12.5%, year 2024!", True, "digit runs (Llama 3 groups up to three)"),
    ("\"Quoted,\" she said.\n\nNew paragraph.", True, "punctuation before newlines (Llama 3 glues them)"),
    ("Hello,\nworld!\n\nBye...\n\n\n", True, "punctuation runs then newlines"),
    ("x(paren)y @user #tag $var %pct &amp; *bold* _it_ ~str~", True, "a symbol in front of letters (Llama 3 takes one)"),
    ("line one  \n  line two\t\n\tthree", True, "whitespace runs around newlines"),
    ("one\r\ntwo\r\n\r\nthree", True, "CRLF line ends"),
    ("a+b <=> x^2 | y~z, foo.bar e-mail!?", True, "punctuation and symbols (llama.cpp's default cuts them first)"),
    ("I'M HERE, YOU'RE THERE; we'Ll see", True, "contractions in mixed case"),
    ("a\x04b\x06c\x13d\x1de \U000a0896 f\U00058df0", True,
     "bytes whose stand-in is not in SmolLM2's vocabulary (0x04 0x06 0x13 0x1D 0xF1 0xF2) are dropped"),
]


# tokenizer.ggml.pre values to check besides the model's own "smollm".
VARIANTS = ["gpt-2", "llama-bpe", "qwen2", "default"]


def tokenize(llama_tokenize: str, model: str, text: str, parse_special: bool) -> list[int]:
    cmd = [llama_tokenize, "-m", model, "--stdin", "--ids", "--no-escape", "--log-disable"]
    if not parse_special:
        cmd.append("--no-parse-special")
    out = subprocess.run(cmd, input=text.encode(), capture_output=True, check=True).stdout.decode()
    # With --ids the only line on stdout is a Python-style list: "[1, 2, 3]".
    return json.loads(out.strip().splitlines()[-1])


def write_variant(model: str, out: str, pre: str) -> None:
    """A metadata-only copy of `model` whose tokenizer.ggml.pre is `pre`."""
    reader = GGUFReader(model)
    writer = GGUFWriter(out, reader.fields["general.architecture"].contents())
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue  # the header fields, and the key GGUFWriter writes itself
        vtype = field.types[0]
        sub_type = field.types[1] if vtype == GGUFValueType.ARRAY else None
        writer.add_key_value(key, pre if key == "tokenizer.ggml.pre" else field.contents(), vtype, sub_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.close()


def gpt2_char_to_byte() -> dict[str, int]:
    """GPT-2's byte alphabet, inverted (see engine/src/tokenizer/byte_map.rs)."""
    itself = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    shifted = [b for b in range(256) if b not in itself]
    return {chr(b): b for b in itself} | {chr(0x100 + n): b for n, b in enumerate(shifted)}


def spm_vocab(model: str) -> tuple[list[str], list[float], list[int]]:
    """Texts, scores and types of a SentencePiece vocabulary made from the model's BPE one:
    <unk> <s> </s> (ids 0..2), <0x00>..<0xFF> (3..258), then every normal BPE token whose bytes
    are valid UTF-8 and not yet present, in id order, with spaces written as U+2581; then the
    control tokens <|im_start|> and <|im_end|>. Token i scores -i: lower ids merge first."""
    tokens = GGUFReader(model).fields["tokenizer.ggml.tokens"].contents()
    to_byte = gpt2_char_to_byte()
    texts = ["<unk>", "<s>", "</s>", *(f"<0x{b:02X}>" for b in range(256))]
    types = [2, 3, 3, *[6] * 256]
    seen = set(texts)
    for token in tokens[17:]:  # 0..16 are SmolLM2's control tokens
        try:
            text = bytes(to_byte[c] for c in token).decode("utf-8").replace(" ", "\u2581")
        except (KeyError, UnicodeDecodeError):
            continue
        if text not in seen:
            seen.add(text)
            texts.append(text)
            types.append(1)
    texts += ["<|im_start|>", "<|im_end|>"]
    types += [3, 3]
    scores = [-float(i) if t == 1 else 0.0 for i, t in enumerate(types)]
    return texts, scores, types


# Keys of the BPE model that a SentencePiece copy must not keep (llama.cpp's defaults apply:
# BOS 1, EOS 2, UNK 0, add BOS, add a space prefix).
SPM_DROPPED_KEYS = {
    "tokenizer.ggml.pre", "tokenizer.ggml.merges", "tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_space_prefix",
    "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id",
    "tokenizer.ggml.padding_token_id",
}


def write_spm_variant(model: str, out: str) -> int:
    """A metadata-only copy of `model` with the SentencePiece vocabulary of spm_vocab; returns
    the vocabulary's size."""
    texts, scores, types = spm_vocab(model)
    replaced = {
        "tokenizer.ggml.model": ("llama", GGUFValueType.STRING, None),
        "tokenizer.ggml.tokens": (texts, GGUFValueType.ARRAY, GGUFValueType.STRING),
        "tokenizer.ggml.scores": (scores, GGUFValueType.ARRAY, GGUFValueType.FLOAT32),
        "tokenizer.ggml.token_type": (types, GGUFValueType.ARRAY, GGUFValueType.INT32),
    }
    reader = GGUFReader(model)
    writer = GGUFWriter(out, reader.fields["general.architecture"].contents())
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture" or key in SPM_DROPPED_KEYS:
            continue
        vtype = field.types[0]
        sub_type = field.types[1] if vtype == GGUFValueType.ARRAY else None
        writer.add_key_value(key, *replaced.pop(key, (field.contents(), vtype, sub_type)))
    for key, value in replaced.items():  # the keys the BPE model does not have (scores)
        writer.add_key_value(key, *value)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.close()
    return len(texts)


def main() -> None:
    cache = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
    llama_tokenize = sys.argv[1] if len(sys.argv) > 1 else f"{cache}/llama-workbook/llama.cpp-b11312/build/bin/llama-tokenize"
    model = sys.argv[2] if len(sys.argv) > 2 else f"{cache}/llama-workbook/SmolLM2-135M-Instruct.Q4_1.gguf"
    cases = [
        {"about": about, "text": text, "parse_special": ps, "ids": tokenize(llama_tokenize, model, text, ps)}
        for text, ps, about in CASES
    ]
    variants = []
    with tempfile.TemporaryDirectory() as tmp:
        for pre in VARIANTS:
            path = os.path.join(tmp, f"{pre}.gguf")
            write_variant(model, path, pre)
            ids = [{"text": t, "parse_special": ps, "ids": tokenize(llama_tokenize, path, t, ps)} for t, ps, _ in CASES]
            variants.append({"pre": pre, "cases": ids})
        path = os.path.join(tmp, "spm.gguf")
        spm_vocab_size = write_spm_variant(model, path)
        spm = [{"text": t, "parse_special": ps, "ids": tokenize(llama_tokenize, path, t, ps)} for t, ps, _ in CASES]
    doc = {
        "produced_by": "python3 scripts/tokenize_extra.py: llama-tokenize --stdin --ids --no-escape --log-disable "
        "[--no-parse-special] from llama.cpp b11312 (commit 0c1e57098bba), on SmolLM2-135M-Instruct.Q4_1.gguf "
        "and on copies of its metadata with another tokenizer.ggml.pre (variants) or a SentencePiece vocabulary (spm)",
        "cases": cases,
        "variants": variants,
        "spm": {"vocab_size": spm_vocab_size, "cases": spm},
    }
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    # One line per list of ids, so that a diff shows which case changed.
    text = re.sub(r"\[\n\s*((?:\d+,\n\s*)*\d+)\n\s*\]", lambda m: "[" + re.sub(r",\n\s*", ", ", m.group(1)) + "]", text)
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
