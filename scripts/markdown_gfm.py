"""Renders oauth-preflight's Markdown summary of hostile registrations with a real CommonMark
renderer (markdown-it-py with GFM tables and strikethrough, raw HTML passed through as GitHub
would see it) and checks that every display name renders as the text it is: no image, link,
HTML tag, emphasis or strikethrough of its making, and each code span holds the whole name.

Usage: markdown_gfm.py BINARY
"""

import json
import os
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

from markdown_it import MarkdownIt

NAMES = [
    "x` ![i](https://evil.example/t.png) [l](https://evil.example) ``",
    "`` <img src=x onerror=alert(1)> *b* _i_ ~~s~~ $x$ | a \\` [r]: https://evil.example",
    "```",
    "<script>alert(1)</script> &lt;b&gt; &#x5B;e&#x5D;(x) **bold**",
    "a\nb\r\n![img](https://evil.example/n.png)",
]
# The tags the summary itself uses; anything else came from a name.
OURS = {"h2", "h3", "p", "strong", "table", "thead", "tbody", "tr", "th", "td", "code"}


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.h3_code, self.td_text = [], [], []
        # A cell's whole text and a code span's own: a cell may hold a code span (a command).
        self.stack, self.code, self.cell = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.stack.append(tag)
        if tag == "code":
            self.code = []
        if tag == "td":
            self.cell = []

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        if tag == "code" and "h3" in self.stack:
            self.h3_code.append("".join(self.code))
        if tag == "td":
            self.td_text.append("".join(self.cell))

    def handle_data(self, data):
        self.code.append(data)
        self.cell.append(data)


def main():
    binary = sys.argv[1]
    md = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        for name in NAMES:
            path = os.path.join(work, "app.json")
            with open(path, "w") as f:
                json.dump(
                    {
                        "appId": "00000001-1111-4000-8000-000000000001",
                        "displayName": name,
                        "signInAudience": "AzureADMyOrg",
                        "web": {"redirectUris": ["http://idp.ngrok.com/oauth2/callback"]},
                    },
                    f,
                )
            out = subprocess.run(
                [binary, "lint", "--format", "markdown", path],
                capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"},
            )
            if out.returncode != 1:
                print(f"markdown: exit {out.returncode} for {name!r}: {out.stderr}")
                failures += 1
                continue
            html = md.render(out.stdout)
            tags = Tags()
            tags.feed(html)
            shown = name.replace("\r", " ").replace("\n", " ")
            problems = sorted(set(tags.tags) - OURS)
            if problems:
                print(f"markdown: {name!r} renders as {problems}:\n{html}")
                failures += 1
            if not any(c.startswith(shown) for c in tags.h3_code):
                print(f"markdown: the heading's code span of {name!r} is {tags.h3_code}")
                failures += 1
            if not any(shown in t for t in tags.td_text):
                print(f"markdown: no table cell holds {name!r} as text:\n{html}")
                failures += 1
    if failures:
        sys.exit(1)
    print(f"markdown: {len(NAMES)} hostile display names render as text (markdown-it-py, GFM tables)")


if __name__ == "__main__":
    main()
