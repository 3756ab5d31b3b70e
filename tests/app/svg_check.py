#!/usr/bin/env python3
"""svg_check.py FILE.svg [--min-texts N] [--contains TEXT ...]: the SVG figure parses as XML, is an
<svg> with a viewBox, holds at least N <text> elements (the figure's words as text, not pixels),
each given TEXT among them, and every embedded image is a PNG data URI."""
import base64
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def main(argv):
    path, args = argv[1], argv[2:]
    min_texts, wanted = 3, []
    while args:
        if args[0] == "--min-texts":
            min_texts, args = int(args[1]), args[2:]
        elif args[0] == "--contains":
            wanted, args = wanted + [args[1]], args[2:]
        else:
            sys.exit(f"unknown argument {args[0]}")
    root = ET.parse(path).getroot()
    if root.tag != NS + "svg" or not root.get("viewBox"):
        sys.exit("FAIL: not an <svg> with a viewBox")
    texts = [(t.text or "") for t in root.iter(NS + "text")]
    joined = "\n".join(texts)
    print(f"{path}: {len(texts)} text elements, {len(list(root.iter(NS + 'image')))} images, "
          f"{len(list(root.iter(NS + 'path'))) + len(list(root.iter(NS + 'rect')))} shapes")
    if len(texts) < min_texts:
        sys.exit(f"FAIL: {len(texts)} text elements, expected at least {min_texts}")
    if any(not t.strip() for t in texts):
        sys.exit("FAIL: an empty text element")
    for w in wanted:
        if w not in joined:
            sys.exit(f"FAIL: no text contains {w!r}; texts: {texts[:20]}")
    for image in root.iter(NS + "image"):
        href = image.get("href", "")
        if not href.startswith("data:image/png;base64,"):
            sys.exit("FAIL: an image is not an embedded PNG")
        if base64.b64decode(href.split(",", 1)[1])[:8] != b"\x89PNG\r\n\x1a\n":
            sys.exit("FAIL: an embedded image is not a PNG")
    print("ok")


if __name__ == "__main__":
    main(sys.argv)
