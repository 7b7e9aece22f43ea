"""lint-control.py: stamp-control(5) says what common/control.c's table says.

Each setting's item (".It Pa NAME Pq TYPE") has the table's type; a number's
item has "Default: N" with the table's default and its bounds ("LO to HI",
or "0 or 1"). Prints each mismatch; exits 1 when there is one.
"""
import re
import sys

src = open("common/control.c").read()
page = open("man/stamp-control.5").read()
items = {}
for it in re.split(r"\n(?=\.It Pa )", page):
    m = re.match(r"\.It Pa (\S+) Pq (\w+)", it)
    if m:
        items[m.group(1)] = (m.group(2), it)


def value(expr):
    expr = expr.replace("LL", "").replace("DAY", "86400").replace("<<", "**").replace("1 ** 40", "2 ** 40")
    return eval(expr, {"__builtins__": {}})


bad = 0
for m in re.finditer(r'\t(NUM|STR|LIST)\("([a-z0-9]+)", (NULL|"[^"]*")(?:, ([^,]+), ([^,]+))?', src):
    kind, name, default, lo, hi = m.groups()
    want = {"NUM": "number", "STR": "string", "LIST": "list"}[kind]
    if name not in items:
        continue        # lint-man.sh reports it
    typ, text = items[name]
    if typ != want:
        print("lint-control: %s is a %s in control.c, the page says %s" % (name, want, typ))
        bad = 1
    if kind != "NUM":
        continue
    d = re.search(r"Default: ([0-9]+)", text)
    if not d or d.group(1) != default.strip('"'):
        print("lint-control: %s: default %s in control.c, the page says %s" %
              (name, default, d and d.group(1)))
        bad = 1
    lo, hi = value(lo), value(hi)
    b = re.search(r"([0-9^]+) to ([0-9^]+)", text)
    got = (value(b.group(1).replace("^", "**")), value(b.group(2).replace("^", "**"))) if b else \
        ((0, 1) if "0 or 1" in text else None)
    if got != (lo, hi):
        print("lint-control: %s: bounds %d to %d in control.c, the page says %s" %
              (name, lo, hi, got and "%d to %d" % got))
        bad = 1
sys.exit(bad)
