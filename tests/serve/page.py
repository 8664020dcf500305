#!/usr/bin/env python3
"""page.py - reads a page of `tlsrpt serve` with Python's html.parser (no
regular expressions on markup), for the serve tests. One question a run:

  page.py dd ID FILE           the text of the element with id ID
  page.py text ID FILE         the same, whitespace kept (a <pre>)
  page.py table ID KEYS FILE   table ID's body rows: the text of the cells
                               whose data-key is in KEYS (a comma list, in
                               that order) joined by ',', rows by ';'
  page.py rows ID FILE         how many body rows table ID has
  page.py sortlink ID KEY FILE the href of the header link of table ID
                               that sorts by KEY (sort=KEY in its query)
  page.py rel NAME FILE        the href of the <a> or <link> rel=NAME
  page.py hrefs FILE           every a/link href, one a line
  page.py ids FILE             every element id, one a line
  page.py chart FILE           the chart: 'rects ok N fail N' and
                               'polyline rate N' (its points)
  page.py safe FILE            what could run: a script element, an on*
                               attribute, a javascript: (or data:/
                               vbscript:) URL, an iframe/object/embed/
                               base/frame, a C0 control byte other than
                               tab, LF and CR, a C1 or bidi control; one
                               a line, nothing if none
  page.py hastext TEXT FILE    'yes' when TEXT is in the page's text (its
                               character data, entities decoded), else
                               'no'
Prints its answer on stdout; exit 2 when the file does not parse or the
element is missing.
"""
import sys
import urllib.parse
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.attr_list = attrs
        self.children = []

    def text(self):
        out = []
        for c in self.children:
            out.append(c if isinstance(c, str) else c.text())
        return "".join(out)

    def walk(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.walk()

    def find(self, tag):
        return [n for n in self.walk() if n.tag == tag]


class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.cur = self.root
        self.textdata = []

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)
        self.textdata.append(data)


def parse(path):
    raw = open(path, "rb").read()
    t = Tree()
    t.feed(raw.decode("utf-8", errors="strict"))
    t.close()
    return t, raw


def by_id(tree, ident):
    for n in tree.root.walk():
        if n.attrs.get("id") == ident:
            return n
    sys.exit("no element with id %r" % ident)


def body_rows(table):
    return [tr for tr in table.find("tr") if tr.find("td")]


def cells(tr):
    return {td.attrs.get("data-key"): " ".join(td.text().split())
            for td in tr.find("td")}


def unsafe(tree, raw):
    found = []
    for n in tree.root.walk():
        if n.tag in ("script", "iframe", "object", "embed", "base",
                     "frame", "frameset", "applet", "meta"):
            if n.tag != "meta" or "http-equiv" in n.attrs:
                found.append("element <%s>" % n.tag)
        for k, v in n.attr_list:
            if k.startswith("on"):
                found.append("attribute %s=%r on <%s>" % (k, v, n.tag))
            if k in ("href", "src", "action", "formaction", "xlink:href",
                     "srcset", "poster", "background") and v is not None:
                # What a browser would see: whitespace and controls
                # dropped, case folded.
                u = "".join(ch for ch in v if ord(ch) > 32).lower()
                for bad in ("javascript:", "vbscript:", "data:"):
                    if u.startswith(bad):
                        found.append("%s=%r on <%s>" % (k, v, n.tag))
    for i, b in enumerate(raw):
        if (b < 32 and b not in (9, 10, 13)) or b == 127:
            found.append("control byte 0x%02x at %d" % (b, i))
            break
    # C1 controls and the characters that reorder or hide what is shown
    # (bidi overrides, CVE-2021-42574) have no business on a page either.
    text = raw.decode("utf-8", "replace")
    for i, ch in enumerate(text):
        c = ord(ch)
        if (0x80 <= c <= 0x9f or c in (0x200e, 0x200f) or
                0x2028 <= c <= 0x202e or 0x2066 <= c <= 0x2069):
            found.append("invisible U+%04X at %d" % (c, i))
            break
    return found


def main(argv):
    cmd, args = argv[1], argv[2:]
    tree, raw = parse(args[-1])
    if cmd == "dd":
        print(" ".join(by_id(tree, args[0]).text().split()))
    elif cmd == "text":
        sys.stdout.write(by_id(tree, args[0]).text())
    elif cmd == "table":
        keys = args[1].split(",")
        rows = []
        for tr in body_rows(by_id(tree, args[0])):
            c = cells(tr)
            rows.append(",".join(c.get(k, "?") for k in keys))
        print(";".join(rows))
    elif cmd == "rows":
        print(len(body_rows(by_id(tree, args[0]))))
    elif cmd == "sortlink":
        for a in by_id(tree, args[0]).find("a"):
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(a.attrs.get("href", "")).query)
            if q.get("sort") == [args[1]]:
                print(a.attrs["href"])
                return 0
        return 2
    elif cmd == "rel":
        for n in tree.root.walk():
            if n.tag in ("a", "link") and args[0] in (n.attrs.get("rel") or "").split():
                print(n.attrs.get("href", ""))
                return 0
        print("")
    elif cmd == "hrefs":
        for n in tree.root.walk():
            if n.tag in ("a", "link") and "href" in n.attrs:
                print(n.attrs["href"])
    elif cmd == "ids":
        for n in tree.root.walk():
            if "id" in n.attrs:
                print(n.attrs["id"])
    elif cmd == "chart":
        svg = by_id(tree, "chart")
        cls = lambda n: (n.attrs.get("class") or "").split()
        ok = [r for r in svg.find("rect") if "ok" in cls(r)]
        fail = [r for r in svg.find("rect") if "fail" in cls(r)]
        print("rects ok %d fail %d" % (len(ok), len(fail)))
        print("ok heights", " ".join(r.attrs.get("height", "?") for r in ok))
        print("fail heights", " ".join(r.attrs.get("height", "?") for r in fail))
        print("top", min((float(r.attrs.get("y", "nan")) for r in ok + fail), default="none"))
        lines = [p for p in svg.find("polyline") if "rate" in cls(p)]
        print("rate", " ".join(lines[0].attrs.get("points", "").split()) if lines else "none")
    elif cmd == "safe":
        for f in unsafe(tree, raw):
            print(f)
    elif cmd == "hastext":
        print("yes" if args[0] in "".join(tree.textdata) else "no")
    else:
        sys.exit("unknown question " + cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
