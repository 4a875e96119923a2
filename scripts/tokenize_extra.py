#!/usr/bin/env python3
"""Extra tokenizer reference cases, tokenized by llama.cpp's llama-tokenize.

    python3 scripts/tokenize_extra.py [LLAMA_TOKENIZE [MODEL]] > engine/tests/data/tokenize-extra.json

LLAMA_TOKENIZE defaults to the binary that scripts/build-llama-cpp.sh builds (llama.cpp b11312);
MODEL to the cached default model (SmolLM2-135M-Instruct Q4_1). Each text goes to
`llama-tokenize --stdin --ids --no-escape --log-disable` (plus `--no-parse-special` where
parse_special is false) on standard input, byte for byte. The model adds no BOS, so the ids are
exactly `llama_tokenize(text, add_special=true, parse_special)`.

engine/tests/tokenizer_vs_llama_cpp.rs checks the engine against the committed output; the tests
never run llama.cpp. Add a case to CASES and rerun this script to extend the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

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
    ("a\x04b\x06c\x13d\x1de \U000a0896 f\U00058df0", True,
     "bytes whose stand-in is not in SmolLM2's vocabulary (0x04 0x06 0x13 0x1D 0xF1 0xF2) are dropped"),
]


def main() -> None:
    cache = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
    tokenize = sys.argv[1] if len(sys.argv) > 1 else f"{cache}/llama-workbook/llama.cpp-b11312/build/bin/llama-tokenize"
    model = sys.argv[2] if len(sys.argv) > 2 else f"{cache}/llama-workbook/SmolLM2-135M-Instruct.Q4_1.gguf"
    cases = []
    for text, parse_special, about in CASES:
        cmd = [tokenize, "-m", model, "--stdin", "--ids", "--no-escape", "--log-disable"]
        if not parse_special:
            cmd.append("--no-parse-special")
        out = subprocess.run(cmd, input=text.encode(), capture_output=True, check=True).stdout.decode()
        # With --ids the only line on stdout is a Python-style list: "[1, 2, 3]".
        ids = json.loads(out.strip().splitlines()[-1])
        cases.append({"about": about, "text": text, "parse_special": parse_special, "ids": ids})
    doc = {
        "produced_by": "python3 scripts/tokenize_extra.py: llama-tokenize --stdin --ids --no-escape --log-disable "
        "[--no-parse-special] from llama.cpp b11312 (commit 0c1e57098bba), on SmolLM2-135M-Instruct.Q4_1.gguf",
        "cases": cases,
    }
    json.dump(doc, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
