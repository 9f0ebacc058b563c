"""Lays out tfjs-node's deps/ from a tensorflow-cpu wheel: the two shared libraries and only the headers the
binding includes and what they include (14 files), not the 268 MB of headers the wheel ships.

usage: python3 extract_wheel.py WHEEL DEPS_DIR BINDING_SOURCE...
"""
import os
import re
import sys
import zipfile

LIBS = ("libtensorflow_cc.so.2", "libtensorflow_framework.so.2")
INCLUDE = "tensorflow/include/"
QUOTED = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def header_closure(wheel, names, roots):
    """Headers reachable from roots through quoted includes that the wheel holds."""
    seen, todo = set(), list(roots)
    while todo:
        h = todo.pop()
        if h in seen or INCLUDE + h not in names:
            continue
        seen.add(h)
        todo.extend(QUOTED.findall(wheel.read(INCLUDE + h).decode("utf-8", "replace")))
    return seen


def main(wheel_path, deps, sources):
    roots = []
    for src in sources:
        with open(src, encoding="utf-8") as f:
            roots.extend(QUOTED.findall(f.read()))
    with zipfile.ZipFile(wheel_path) as wheel:
        names = set(wheel.namelist())
        lib = os.path.join(deps, "lib")
        os.makedirs(lib, exist_ok=True)
        for name in LIBS:
            if "tensorflow/" + name not in names:
                sys.exit(f"the wheel has no tensorflow/{name}")
            with wheel.open("tensorflow/" + name) as src, open(os.path.join(lib, name), "wb") as dst:
                while chunk := src.read(1 << 22):
                    dst.write(chunk)
        headers = header_closure(wheel, names, roots)
        for required in ("tensorflow/c/c_api.h", "tensorflow/c/eager/c_api.h"):
            if required not in headers:
                sys.exit(f"the wheel has no {INCLUDE}{required}")
        for h in sorted(headers):
            out = os.path.join(deps, "include", h)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, "wb") as dst:
                dst.write(wheel.read(INCLUDE + h))
    print(f"{len(LIBS)} libraries, {len(headers)} headers")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
