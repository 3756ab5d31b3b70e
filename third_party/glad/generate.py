#!/usr/bin/env python3
"""Generate a glad-2-compatible OpenGL loader from the Khronos registry (gl.xml).

Writes, under --out (default: this script's folder):
  include/glad/gl.h          types, enums, PFN typedefs, glad_gl* pointers, glXxx macros
  include/KHR/khrplatform.h  copied from the registry / system, or a minimal stand-in
  src/gl.c                   the loader: gladLoadGL(), gladLoadGLUserPtr()

Standard library only. The output is deterministic (no dates, no absolute paths), so
regenerating from the same gl.xml leaves the committed files unchanged.

    python3 third_party/glad/generate.py [--registry gl.xml] [--out DIR]
                                         [--version 3.3] [--profile core]
"""

import argparse
import hashlib
import os
import sys
import xml.etree.ElementTree as ET

DEFAULT_REGISTRY = "/usr/share/khronos-api/gl.xml"
API = "gl"

# Header guards of other GL headers: each one is refused if it came first, and defined
# here so that a later #include of that header (by GLFW, say) becomes a no-op.
FOREIGN_GUARDS = [
    ("__gl_h_", "GL/gl.h"),
    ("__GL_H__", "GL/gl.h (Windows SDK)"),
    ("__gl3_h_", "GL3/gl3.h"),
    ("__glext_h_", "GL/glext.h (old guard)"),
    ("__gl_glext_h_", "GL/glext.h"),
    ("__gl_glcorearb_h_", "GL/glcorearb.h"),
    ("__glcorearb_h_", "GL/glcorearb.h (old guard)"),
    ("__gl3ext_h_", "GL3/gl3ext.h"),
]


# --------------------------------------------------------------------------- registry


def api_matches(elem, api):
    """True when an element has no api attribute or lists `api` in it."""
    value = elem.get("api")
    return value is None or api in value.split(",")


def profile_matches(elem, profile):
    value = elem.get("profile")
    return value is None or value == profile


def parse_version(text):
    major, minor = text.split(".")
    return int(major), int(minor)


def render_type(elem):
    """C text of a <type> element: <apientry/> becomes APIENTRY, other tags are inlined."""
    parts = [elem.text or ""]
    for child in elem:
        if child.tag == "apientry":
            parts.append("APIENTRY")
        else:
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return "".join(parts).strip()


def type_name(elem):
    name = elem.get("name")
    if name is None:
        node = elem.find("name")
        name = node.text if node is not None else None
    return name


class Command:
    def __init__(self, elem):
        proto = elem.find("proto")
        self.name = proto.find("name").text
        ret = [proto.text or ""]
        self.types = set()
        for child in proto:
            if child.tag == "name":
                break
            ret.append("".join(child.itertext()))
            ret.append(child.tail or "")
            if child.tag == "ptype":
                self.types.add(child.text)
        self.ret = " ".join("".join(ret).split())
        self.params = []
        for param in elem.findall("param"):
            if not api_matches(param, API):
                continue
            self.params.append(" ".join("".join(param.itertext()).split()))
            for ptype in param.findall("ptype"):
                self.types.add(ptype.text)

    @property
    def pfn(self):
        return "PFN" + self.name.upper() + "PROC"

    @property
    def param_list(self):
        return ", ".join(self.params) if self.params else "void"


class Registry:
    def __init__(self, path, api):
        root = ET.parse(path).getroot()
        self.types = []  # (name, elem, requires) in registry order
        for elem in root.find("types").findall("type"):
            if api_matches(elem, api):
                self.types.append((type_name(elem), elem, elem.get("requires")))
        self.enums = {}  # name -> (value, type suffix)
        for group in root.findall("enums"):
            for elem in group.findall("enum"):
                if not api_matches(elem, api):
                    continue
                name = elem.get("name")
                # An api-specific definition wins over a generic one.
                if name not in self.enums or elem.get("api") is not None:
                    self.enums[name] = (elem.get("value"), elem.get("type") or "")
        self.commands = {}
        for elem in root.find("commands").findall("command"):
            cmd = Command(elem)
            self.commands[cmd.name] = cmd
        self.features = [f for f in root.findall("feature") if f.get("api") == api]
        self.features.sort(key=lambda f: parse_version(f.get("number")))


class Selection:
    """The interface of one API version and profile, with each command's feature."""

    def __init__(self, reg, version, profile):
        self.features = []  # (name, (major, minor))
        types, enums, commands = {}, {}, {}  # name -> feature that (last) added it
        for feature in reg.features:
            number = parse_version(feature.get("number"))
            if number > version:
                break
            fname = feature.get("name")
            self.features.append((fname, number))
            for req in feature.findall("require"):
                if not (api_matches(req, API) and profile_matches(req, profile)):
                    continue
                for kind, table in (("type", types), ("enum", enums), ("command", commands)):
                    for item in req.findall(kind):
                        table.setdefault(item.get("name"), fname)
            for rem in feature.findall("remove"):
                if not (api_matches(rem, API) and profile_matches(rem, profile)):
                    continue
                for kind, table in (("type", types), ("enum", enums), ("command", commands)):
                    for item in rem.findall(kind):
                        table.pop(item.get("name"), None)

        missing = [c for c in commands if c not in reg.commands]
        missing += [e for e in enums if e not in reg.enums]
        if missing:
            sys.exit("generate.py: not defined in the registry: " + ", ".join(sorted(missing)))

        self.enums = sorted(enums)
        self.commands = sorted(commands)
        self.commands_of = {name: [] for name, _ in self.features}
        for cmd in self.commands:
            self.commands_of[commands[cmd]].append(cmd)

        # Types: the required ones, those the commands use, and what they depend on.
        wanted = set(types)
        for cmd in self.commands:
            wanted |= reg.commands[cmd].types
        by_name = {name: requires for name, _, requires in reg.types}
        stack = list(wanted)
        while stack:
            requires = by_name.get(stack.pop())
            if requires and requires not in wanted:
                wanted.add(requires)
                stack.append(requires)
        unknown = sorted(t for t in wanted if t not in by_name)
        if unknown:
            sys.exit("generate.py: types not defined in the registry: " + ", ".join(unknown))
        self.types = [render_type(elem) for name, elem, _ in reg.types if name in wanted]


# --------------------------------------------------------------------------- output


def banner(digest, version, profile):
    return (
        "/*\n"
        " * Generated by third_party/glad/generate.py from the Khronos registry gl.xml\n"
        " * (sha256 %s), OpenGL %d.%d %s profile, no extensions.\n"
        " * Do not edit: change generate.py and run  python3 third_party/glad/generate.py\n"
        " */\n" % (digest[:16], version[0], version[1], profile)
    )


def feature_suffix(name):
    return name[len("GL_"):]  # GL_VERSION_3_3 -> VERSION_3_3


def write_header(reg, sel, head):
    out = [head]
    w = out.append
    w("#ifndef GLAD_GL_H_\n#define GLAD_GL_H_\n\n")
    w("#ifdef __clang__\n#pragma clang diagnostic push\n"
      "#pragma clang diagnostic ignored \"-Wreserved-id-macro\"\n#endif\n")
    for guard, header in FOREIGN_GUARDS:
        w("#ifdef %s\n#error %s was included before <glad/gl.h>; include glad first and drop the other\n"
          "#endif\n#define %s 1\n" % (guard, header, guard))
    w("#ifdef __clang__\n#pragma clang diagnostic pop\n#endif\n\n")

    w("#define GLAD_GL\n\n")
    w("#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n")

    w("/* [platform] calling convention and linkage */\n")
    w("#ifndef GLAD_API_PTR\n"
      "#  if defined(_WIN32) || defined(__CYGWIN__)\n"
      "#    define GLAD_API_PTR __stdcall\n"
      "#  else\n"
      "#    define GLAD_API_PTR\n"
      "#  endif\n"
      "#endif\n"
      "#ifndef APIENTRY\n#  define APIENTRY GLAD_API_PTR\n#endif\n"
      "#ifndef APIENTRYP\n#  define APIENTRYP APIENTRY *\n#endif\n"
      "#ifndef GLAPI\n#  define GLAPI extern\n#endif\n"
      "#ifndef GLAD_API_CALL\n"
      "#  if defined(GLAD_API_CALL_EXPORT)\n"
      "#    if defined(_WIN32) || defined(__CYGWIN__)\n"
      "#      if defined(GLAD_API_CALL_EXPORT_BUILD)\n"
      "#        define GLAD_API_CALL extern __declspec(dllexport)\n"
      "#      else\n"
      "#        define GLAD_API_CALL extern __declspec(dllimport)\n"
      "#      endif\n"
      "#    elif defined(__GNUC__) && __GNUC__ >= 4\n"
      "#      define GLAD_API_CALL extern __attribute__((visibility(\"default\")))\n"
      "#    else\n"
      "#      define GLAD_API_CALL extern\n"
      "#    endif\n"
      "#  else\n"
      "#    define GLAD_API_CALL extern\n"
      "#  endif\n"
      "#endif\n\n")

    w("#define GLAD_MAKE_VERSION(major, minor) ((major) * 10000 + (minor))\n"
      "#define GLAD_VERSION_MAJOR(version) ((version) / 10000)\n"
      "#define GLAD_VERSION_MINOR(version) ((version) % 10000)\n\n"
      "typedef void (*GLADapiproc)(void);\n"
      "typedef GLADapiproc (*GLADloadfunc)(const char *name);\n"
      "typedef GLADapiproc (*GLADuserptrloadfunc)(void *userptr, const char *name);\n\n")

    w("/* [types] */\n")
    for text in sel.types:
        w(text + "\n")
    w("\n/* [enums] */\n")
    for name in sel.enums:
        value, suffix = reg.enums[name]
        w("#define %s %s%s\n" % (name, value, suffix))

    w("\n/* [versions] set by gladLoadGL to 1 when the context supports that version */\n")
    for fname, _ in sel.features:
        w("#define %s 1\nGLAD_API_CALL int GLAD_%s;\n" % (fname, fname))

    w("\n/* [commands] */\n")
    for name in sel.commands:
        cmd = reg.commands[name]
        w("typedef %s (GLAD_API_PTR *%s)(%s);\n" % (cmd.ret, cmd.pfn, cmd.param_list))
    w("\n")
    for name in sel.commands:
        cmd = reg.commands[name]
        w("GLAD_API_CALL %s glad_%s;\n#define %s glad_%s\n" % (cmd.pfn, name, name, name))

    w("\n/* [loader] both return GLAD_MAKE_VERSION(major, minor) of the context, 0 on failure */\n"
      "GLAD_API_CALL int gladLoadGLUserPtr(GLADuserptrloadfunc load, void *userptr);\n"
      "GLAD_API_CALL int gladLoadGL(GLADloadfunc load);\n\n")
    w("#ifdef __cplusplus\n}\n#endif\n\n#endif /* GLAD_GL_H_ */\n")
    return "".join(out)


def write_source(reg, sel, head):
    out = [head]
    w = out.append
    w("#include <stddef.h>\n#include <string.h>\n\n#include <glad/gl.h>\n\n")
    for fname, _ in sel.features:
        w("int GLAD_%s = 0;\n" % fname)
    w("\n")
    for name in sel.commands:
        w("%s glad_%s = NULL;\n" % (reg.commands[name].pfn, name))

    for fname, _ in sel.features:
        names = sel.commands_of[fname]
        w("\nstatic void glad_gl_load_%s(GLADuserptrloadfunc load, void *userptr) {\n"
          % feature_suffix(fname))
        if not names:
            w("    (void) load;\n    (void) userptr;\n")
        else:
            w("    if (!GLAD_%s) return;\n" % fname)
            for name in names:
                w("    glad_%s = (%s) load(userptr, \"%s\");\n"
                  % (name, reg.commands[name].pfn, name))
        w("}\n")

    w("""
/* Parses glGetString(GL_VERSION), e.g. "3.3 (Core Profile) Mesa 22.3.6" or
 * "4.6.0 NVIDIA 535.54". Returns GLAD_MAKE_VERSION(major, minor), 0 for OpenGL ES
 * or an unparsable string. */
static int glad_gl_context_version(void) {
    static const char *const es_prefixes[] = {"OpenGL ES-CM ", "OpenGL ES-CL ", "OpenGL ES "};
    const char *version;
    int major = 0, minor = 0;
    size_t i;

    version = (const char *) glad_glGetString(GL_VERSION);
    if (version == NULL) return 0;
    for (i = 0; i < sizeof(es_prefixes) / sizeof(es_prefixes[0]); ++i) {
        if (strncmp(version, es_prefixes[i], strlen(es_prefixes[i])) == 0) return 0;
    }
    while (*version == ' ') ++version;
    if (*version < '0' || *version > '9') return 0;
    while (*version >= '0' && *version <= '9' && major < 1000) major = major * 10 + (*version++ - '0');
    if (*version++ != '.') return 0;
    if (*version < '0' || *version > '9') return 0;
    while (*version >= '0' && *version <= '9' && minor < 1000) minor = minor * 10 + (*version++ - '0');
    if (major < 1) return 0;
    return GLAD_MAKE_VERSION(major, minor);
}

int gladLoadGLUserPtr(GLADuserptrloadfunc load, void *userptr) {
    int version;

""")
    for fname, _ in sel.features:
        w("    GLAD_%s = 0;\n" % fname)
    w("""
    if (load == NULL) return 0;
    glad_glGetString = (PFNGLGETSTRINGPROC) load(userptr, "glGetString");
    if (glad_glGetString == NULL) return 0;
    version = glad_gl_context_version();
    if (version == 0) return 0;

""")
    for fname, (major, minor) in sel.features:
        w("    GLAD_%s = version >= GLAD_MAKE_VERSION(%d, %d);\n" % (fname, major, minor))
    w("\n")
    for fname, _ in sel.features:
        w("    glad_gl_load_%s(load, userptr);\n" % feature_suffix(fname))
    w("""
    return version;
}

/* gladLoadGL passes its plain loader through userptr inside a struct: a function
 * pointer cannot portably travel as a void *. */
struct glad_gl_plain_loader {
    GLADloadfunc load;
};

static GLADapiproc glad_gl_call_plain_loader(void *userptr, const char *name) {
    return ((const struct glad_gl_plain_loader *) userptr)->load(name);
}

int gladLoadGL(GLADloadfunc load) {
    struct glad_gl_plain_loader plain;
    if (load == NULL) return 0;
    plain.load = load;
    return gladLoadGLUserPtr(glad_gl_call_plain_loader, &plain);
}
""")
    return "".join(out)


MINIMAL_KHRPLATFORM = """#ifndef __khrplatform_h_
#define __khrplatform_h_
/* Minimal stand-in for the Khronos <KHR/khrplatform.h>: only the types gl.h uses. */
#include <stddef.h>
#include <stdint.h>
typedef int32_t khronos_int32_t;
typedef uint32_t khronos_uint32_t;
typedef int64_t khronos_int64_t;
typedef uint64_t khronos_uint64_t;
typedef int8_t khronos_int8_t;
typedef uint8_t khronos_uint8_t;
typedef int16_t khronos_int16_t;
typedef uint16_t khronos_uint16_t;
typedef intptr_t khronos_intptr_t;
typedef uintptr_t khronos_uintptr_t;
typedef ptrdiff_t khronos_ssize_t;
typedef size_t khronos_usize_t;
typedef float khronos_float_t;
typedef khronos_uint64_t khronos_utime_nanoseconds_t;
typedef khronos_int64_t khronos_stime_nanoseconds_t;
#define KHRONOS_SUPPORT_INT64 1
#define KHRONOS_SUPPORT_FLOAT 1
#define KHRONOS_APICALL
#define KHRONOS_APIENTRY
#define KHRONOS_APIATTRIBUTES
#define KHRONOS_MAX_ENUM 0x7FFFFFFF
typedef enum { KHRONOS_FALSE = 0, KHRONOS_TRUE = 1, KHRONOS_BOOLEAN_ENUM_FORCE_SIZE = KHRONOS_MAX_ENUM } khronos_boolean_enum_t;
#endif /* __khrplatform_h_ */
"""


def khrplatform_text(registry_path):
    candidates = [
        os.path.join(os.path.dirname(registry_path), "khrplatform.h"),
        os.path.join(os.path.dirname(registry_path), "KHR", "khrplatform.h"),
        "/usr/include/KHR/khrplatform.h",
    ]
    head = ("/* Copied by third_party/glad/generate.py from the Khronos khrplatform.h "
            "(unchanged below). Do not edit. */\n")
    for path in candidates:
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                return head + f.read()
    return ("/* Written by third_party/glad/generate.py (no khrplatform.h was found). "
            "Do not edit. */\n" + MINIMAL_KHRPLATFORM)


def write_file(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print("wrote", path)


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", default=DEFAULT_REGISTRY, help="path to gl.xml")
    parser.add_argument("--out", default=here, help="output folder (default: %(default)s)")
    parser.add_argument("--version", default="3.3", help="highest OpenGL version (default 3.3)")
    parser.add_argument("--profile", default="core", choices=["core", "compatibility"])
    args = parser.parse_args(argv)

    try:
        version = parse_version(args.version)
    except ValueError:
        parser.error("--version must look like 3.3")
    if not os.path.isfile(args.registry):
        parser.error("registry not found: %s (apt-get install khronos-api)" % args.registry)

    with open(args.registry, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    reg = Registry(args.registry, API)
    if not any(parse_version(f.get("number")) == version for f in reg.features):
        parser.error("gl.xml has no OpenGL %s feature" % args.version)
    sel = Selection(reg, version, args.profile)
    head = banner(digest, version, args.profile)

    write_file(os.path.join(args.out, "include", "glad", "gl.h"), write_header(reg, sel, head))
    write_file(os.path.join(args.out, "include", "KHR", "khrplatform.h"),
               khrplatform_text(args.registry))
    write_file(os.path.join(args.out, "src", "gl.c"), write_source(reg, sel, head))
    print("OpenGL %s %s: %d types, %d enums, %d commands"
          % (args.version, args.profile, len(sel.types), len(sel.enums), len(sel.commands)))


if __name__ == "__main__":
    main()
