"""A passive text reply's shape: WeChat takes at most 2048 bytes of content (its message
documents), links included, so a list is cut from its last item up, never mid-item."""
MAX_REPLY_BYTES = 2048
SHOWN_CHARS = 40               # of a question or a title: the page it links to shows it whole


def fit(parts):
    """`parts`, (text, droppable) pairs, joined by lines within MAX_REPLY_BYTES: droppable items
    go from the last one up (the counts and the list links stay, so nothing seems to be all there
    is)."""
    parts = list(parts)
    while len("\n".join(t for t, _ in parts).encode()) > MAX_REPLY_BYTES:
        droppable = [i for i, (_, can) in enumerate(parts) if can]
        if not droppable:
            break
        del parts[droppable[-1]]
    return "\n".join(t for t, _ in parts)


def short(text):
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"
