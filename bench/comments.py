"""Screening comments against the sensitive-word list: 10,000 comments, 10,000 words.

Words are 2–4 random common Chinese characters; comments 20–120 characters, one in ten carrying
a listed word disguised (full-width, spaces, symbols or traditional characters). It times
building the matcher and screening all comments, the normalization included, through
account.words.Screen as the comment sync uses it. Target: screening < 1 s.

    .venv/bin/python -m bench.comments [--words 10000] [--comments 10000]
"""
import argparse
import random
import sys
import time

from account.words import Screen

COMMON = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
DODGES = (lambda w: " ".join(w), lambda w: "*".join(w), lambda w: w + "！！",
          lambda w: "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in w))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=10000)
    parser.add_argument("--comments", type=int, default=10000)
    args = parser.parse_args()
    rng = random.Random(11)
    listed = list({"".join(rng.choice(COMMON) for _ in range(rng.randint(2, 4))) for _ in range(args.words)})
    texts, planted = [], 0
    for n in range(args.comments):
        text = "".join(rng.choice(COMMON + ["，", "。", " "]) for _ in range(rng.randint(20, 120)))
        if n % 10 == 0:
            word = rng.choice(listed)
            text = text[:10] + rng.choice(DODGES)(word) + text[10:]
            planted += 1
        texts.append(text)
    started = time.perf_counter()
    screen = Screen(listed)
    built = time.perf_counter() - started
    started = time.perf_counter()
    flagged = sum(1 for text in texts if screen.find(text))
    screened = time.perf_counter() - started
    print("%d words, %d comments (%d with a disguised listed word)" % (len(listed), len(texts), planted))
    print("  matcher built in %.0f ms; screening took %.0f ms (%.1f µs a comment); target < 1000 ms: %s"
          % (built * 1000, screened * 1000, screened / len(texts) * 1e6, "met" if screened < 1 else "MISSED"))
    print("  flagged %d (every planted one, plus chance hits of short random words: %s)"
          % (flagged, "yes" if flagged >= planted else "NO"))
    return 0 if screened < 1 and flagged >= planted else 1


if __name__ == "__main__":
    sys.exit(main())
