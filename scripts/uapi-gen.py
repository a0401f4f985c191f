#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate the rvnet family's uapi constants from its YNL spec.

spec/rvnet.yaml is the one source; this writes the two Rust copies of it:
  module/family/uapi.rs        (the kernel module: &CStr names, u32 attrs)
  tools/rvnetctl/src/uapi.rs   (rvnetctl: &str names, u16 attrs)

  scripts/uapi-gen.py            regenerate both files
  scripts/uapi-gen.py --check    exit 1 (with a diff) if either differs

Names and values follow YNL's genetlink conventions (tools/net/ynl/pyynl/
ynl_gen_c.py, lib/nlspec.py): attributes and operations are numbered from 1
unless an entry has `value:`, and each entry after continues from it; enums
from `value-start` (default 0); flags are bits from `value-start`; prefixes
`<family>-a-<set>-` (attributes), `<family>-cmd-` (operations),
`<family>-<definition>-` (enums, flags), `<family>-mcgrp-<group>` unless
the spec gives a `name-prefix` (or `c-define-name`).
"""
import argparse
import difflib
import os
import sys
import textwrap

import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SPEC = "spec/rvnet.yaml"
MODULE_OUT = "module/family/uapi.rs"
TOOL_OUT = "tools/rvnetctl/src/uapi.rs"
WIDTH = 100


def c_upper(name):
    return name.upper().replace("-", "_")


def one_line(doc):
    return " ".join((doc or "").split())


class Family:
    """What both outputs need, read from the spec once."""

    def __init__(self, spec):
        self.spec = spec
        self.name = spec["name"]
        self.ident = c_upper(self.name)
        self.doc = one_line(spec.get("doc"))
        if spec.get("protocol") != "genetlink":
            raise SystemExit(f"{SPEC}: protocol {spec.get('protocol')!r}, expected genetlink")
        self.family_key = c_upper(spec.get("c-family-name", self.name + "-family-name"))
        self.version_key = c_upper(spec.get("c-version-name", self.name + "-family-version"))
        # YNL sends version 1 unless the spec says otherwise.
        self.version = spec.get("version", 1)
        self.definitions = [self._definition(d) for d in spec.get("definitions", [])]
        self.by_def = {d["name"]: d for d in self.definitions}
        self.attr_sets = [self._attr_set(s) for s in spec.get("attribute-sets", [])]
        self.ops = self._ops(spec.get("operations", {}))
        self.mcgrps = [
            (c_upper(g.get("c-define-name", f"{self.name}-mcgrp-{g['name']}")), g["name"])
            for g in spec.get("mcast-groups", {}).get("list", [])
        ]

    def _definition(self, d):
        kind = d["type"]
        if kind not in ("enum", "flags"):
            raise SystemExit(f"{SPEC}: definition {d['name']}: type {kind} not supported")
        pfx = c_upper(d.get("name-prefix", f"{self.name}-{d['name']}-"))
        value = d.get("value-start", 0)
        entries = []
        for e in d["entries"]:
            if isinstance(e, str):
                e = {"name": e}
            value = e.get("value", value)
            entries.append({"key": pfx + c_upper(e["name"]), "name": e["name"], "value": value,
                            "doc": one_line(e.get("doc"))})
            value += 1
        return {"name": d["name"], "type": kind, "prefix": pfx, "doc": one_line(d.get("doc")),
                "entries": entries}

    def _attr_set(self, s):
        if "subset-of" in s:
            raise SystemExit(f"{SPEC}: attribute set {s['name']}: subsets not supported")
        if "name-prefix" in s:
            pfx = s["name-prefix"]
        elif s["name"] == self.name:
            pfx = f"{self.name}-a-"
        else:
            pfx = f"{self.name}-a-{s['name']}-"
        pfx = c_upper(pfx)
        value = 1
        attrs = []
        for a in s["attributes"]:
            value = a.get("value", value)
            attrs.append({"key": pfx + c_upper(a["name"]), "value": value,
                          "doc": one_line(a.get("doc")), "what": self._attr_type(a)})
            value += 1
        return {"name": s["name"], "doc": one_line(s.get("doc")), "attrs": attrs}

    def _attr_type(self, a):
        t = a["type"]
        if t == "string":
            return "NUL-terminated string"
        if t == "nest":
            return f"nested, attribute set `{a['nested-attributes']}`"
        if t == "pad":
            return "padding, carries nothing"
        if "enum" in a:
            d = self.by_def[a["enum"]]
            if a.get("enum-as-flags") or d["type"] == "flags":
                return f"{t} bitmask of `{d['prefix']}*`"
            return f"{t}, `{d['prefix']}*`"
        return t

    def _ops(self, ops):
        pfx = c_upper(ops.get("name-prefix", f"{self.name}-cmd-"))
        value = 1
        out = []
        for o in ops.get("list", []):
            value = o.get("value", value)
            if "notify" in o or "event" in o:
                mode = f"notification, as `{o['notify']}`" if "notify" in o else "event"
                aset = None
            else:
                mode = "/".join(m for m in ("do", "dump") if m in o)
                aset = o.get("attribute-set")
            out.append({"key": pfx + c_upper(o["name"]), "name": o["name"], "value": value,
                        "doc": one_line(o.get("doc")), "mode": mode, "set": aset})
            value += 1
        return {"prefix": pfx, "list": out}


def doc_lines(text, indent=""):
    """`text` as `///` lines of at most WIDTH columns."""
    return textwrap.wrap(text, WIDTH, initial_indent=indent + "/// ",
                         subsequent_indent=indent + "/// ", break_on_hyphens=False)


def comment_lines(text):
    return textwrap.wrap(text, WIDTH, initial_indent="// ", subsequent_indent="// ",
                         break_on_hyphens=False)


def module_doc(text):
    return textwrap.wrap(text, WIDTH, initial_indent="//! ", subsequent_indent="//! ",
                         break_on_hyphens=False)


def render(fam, side):
    """The Rust file for `side` ("module" or "tool")."""
    kernel = side == "module"
    vis = "pub(crate)" if kernel else "pub"
    str_ty, attr_ty, ver_ty = ("&CStr", "u32", "u32") if kernel else ("&str", "u16", "u8")

    def s(v):
        return f'c"{v}"' if kernel else f'"{v}"'

    out = ["// SPDX-License-Identifier: GPL-2.0",
           f"// Generated by scripts/uapi-gen.py from {SPEC}; do not edit.", ""]
    out += module_doc(f"The `{fam.name}` generic netlink family's uapi"
                      + (" (the module's side)." if kernel else " (rvnetctl's side).")
                      + " Regenerate with `scripts/uapi-gen.py` after changing the spec.")
    out += ["//!"]
    out += module_doc(fam.doc)
    if kernel:
        out += ["", "#![allow(dead_code)]", "", "use kernel::prelude::*;"]
    else:
        out += ["//!"]
        out += module_doc("Command numbers are the generic netlink header's `cmd` (u8); "
                          "attribute numbers are `nla_type` (u16) within their attribute set.")
    out += [""]
    out += doc_lines("Generic netlink family name, resolved to an id through nlctrl.")
    out += [f"{vis} const {fam.family_key}: {str_ty} = {s(fam.name)};"]
    out += doc_lines("The family's version (`genl_family.version`)." if kernel else
                     "Version sent in the generic netlink header of every request.")
    out += [f"{vis} const {fam.version_key}: {ver_ty} = {fam.version};"]

    out += ["", "// Multicast groups.", ""]
    for key, name in fam.mcgrps:
        out += doc_lines(f"Multicast group `{name}`.")
        out += [f"{vis} const {key}: {str_ty} = {s(name)};"]

    out += ["", "// Commands (`cmd` in the generic netlink header).", ""]
    if not kernel:
        out += doc_lines("Reserved, never sent.")
        out += [f"{vis} const {fam.ops['prefix']}UNSPEC: u8 = 0;"]
    for op in fam.ops["list"]:
        what = f"`{op['name']}` ({op['mode']}"
        what += f", attribute set `{op['set']}`): " if op["set"] else "): "
        out += doc_lines(what + op["doc"])
        out += [f"{vis} const {op['key']}: u8 = {op['value']};"]

    for d in fam.definitions:
        out += [""]
        out += comment_lines(f"{'Flags' if d['type'] == 'flags' else 'Enum'} `{d['name']}`: {d['doc']}")
        out += [""]
        for e in d["entries"]:
            out += doc_lines(e["doc"] or e["name"])
            value = f"1 << {e['value']}" if d["type"] == "flags" else str(e["value"])
            out += [f"{vis} const {e['key']}: u32 = {value};"]
        if d["type"] == "flags" and not kernel:
            table = c_upper(f"{fam.name}-{d['name']}")
            out += doc_lines(f"Every bit of `{d['name']}` with the name users see.")
            items = ", ".join(f'({e["key"]}, "{e["name"]}")' for e in d["entries"])
            line = f"{vis} const {table}: [(u32, &str); {len(d['entries'])}] = [{items}];"
            if len(line) <= WIDTH:
                out += [line]
            else:
                out += [f"{vis} const {table}: [(u32, &str); {len(d['entries'])}] ="]
                if len(items) + 6 <= WIDTH:
                    out += [f"    [{items}];"]
                else:
                    out += ["    ["] + [f'        ({e["key"]}, "{e["name"]}"),' for e in d["entries"]]
                    out += ["    ];"]

    for a in fam.attr_sets:
        out += [""]
        out += comment_lines(f"Attribute set `{a['name']}`: {a['doc']}")
        out += [""]
        for attr in a["attrs"]:
            out += doc_lines(f"{attr['doc'].rstrip('.')} ({attr['what']}).")
            out += [f"{vis} const {attr['key']}: {attr_ty} = {attr['value']};"]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if a file differs from what would be written")
    ap.add_argument("--root", default=ROOT, help="the rvnet tree (default: this script's)")
    args = ap.parse_args()

    with open(os.path.join(args.root, SPEC)) as f:
        fam = Family(yaml.safe_load(f))
    stale = False
    for side, path in (("module", MODULE_OUT), ("tool", TOOL_OUT)):
        want = render(fam, side)
        full = os.path.join(args.root, path)
        try:
            with open(full) as f:
                have = f.read()
        except FileNotFoundError:
            have = ""
        if have == want:
            continue
        if args.check:
            stale = True
            print(f"{path}: differs from what scripts/uapi-gen.py generates from {SPEC}:")
            sys.stdout.writelines(difflib.unified_diff(
                have.splitlines(True), want.splitlines(True), path, "generated", n=1))
        else:
            with open(full, "w") as f:
                f.write(want)
            print(f"wrote {path}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
