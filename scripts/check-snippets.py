#!/usr/bin/env python3
"""Compiles every Swift snippet of the documentation against the built ZeroMQ module.

Run it through `make check-snippets` (or `scripts/check-snippets.sh`), which builds the
module first. `make test` runs it after `swift test`, reusing that build.

Where the snippets are: every ```swift block of README.md, Docs/*.md and
Sources/ZeroMQ/ZeroMQ.docc/*.md, and every fenced code block of the `///` doc comments
of Sources/ZeroMQ and Sources/ZeroMQServices (each run of contiguous `///` lines is read
as markdown, without the `///` and the one space after it) whose fence is ```swift or a
bare ```, which DocC renders as Swift too; ```text, ```sh and the like are not Swift.

How each is compiled: in the context a user would paste it into, type-checked only
(`swiftc -typecheck -swift-version 6`), with `#sourceLocation` lines around it so that
every diagnostic names the markdown file and line (for a doc comment, the .swift file
and its line). Errors fail; warnings fail too, except "never used", "never mutated" and
"never read" ones, which a snippet that shows one value at a time cannot avoid. (The warning "no 'async' operations occur within
'await' expression", a blocking call under an `await`, is a failure.)

The context of a snippet is told by an HTML comment that ends on the line right before
its fence, which neither GitHub nor DocC renders (DocC drops HTML comments in articles
and in doc comments alike):

    <!-- snippet: function; prelude: let context = try Context(); let push = try PushSocket(context) -->

In a doc comment it is a doc comment line like the others:

    /// <!-- snippet: function; prelude: let context = try Context();
    ///     let pull = try PullSocket(context) -->
    /// ```swift
    /// let job = try pull.receive()
    /// ```

The comment may span lines (it starts with `<!-- snippet:` and its last line, with
`-->`, is the line before the fence), so that a long prelude stays readable.

Keys, separated by `;`:

- `main`: top-level code, compiled as the `main.swift` of a program of its own.
- `file`: declarations at file scope (functions, types, extensions).
- `function`: statements in the body of a function, `async throws` if the snippet
  contains `await`, otherwise `throws` (a blocking call is unavailable in async code).
- `package`: the arguments of `Package(...)` in a `Package.swift`, checked against
  PackageDescription.
- `continues`: the snippet goes on from the previous snippet of the same file (for a
  .swift file, of any of its doc comments): that snippet (with its prelude) is its
  prelude.
- `prelude: CODE`: code that the snippet uses, from the text around it. It takes the
  rest of the comment; its statements are separated by `;` like Swift's own (a
  statement that goes on to the next line of the comment is joined into one line).
- `fails "TEXT"`: the snippet must fail to compile with an error that contains TEXT
  (the doc shows code that does not compile on purpose).
- `crashes "TEXT"`: the snippet must crash swiftc (compiled to SIL, since
  type-checking alone does not crash), with TEXT in its output; a fixed compiler makes
  this fail, so the doc can be updated.
- `skip "REASON"`: not compiled at all. Only for text that is not Swift (in a doc
  comment, give such a block a language instead: ```text, ```sh).

Without a comment, a snippet whose lines at column 0 are all declarations (`import`,
`func`, `struct`, `extension`, ..., attributes, comments and closing braces) is
compiled at file scope, and any other snippet as top-level code (`main`); a fragment
that uses names it does not declare needs a `prelude`. Every snippet imports ZeroMQ; a
doc comment's snippet of Sources/ZeroMQServices also imports ZeroMQServices, the module
its reader has imported. Other modules (Foundation, Synchronization, Logging,
ServiceLifecycle, Tracing, ...) are imported by the snippet or its prelude.

Speed: file-scope and function snippets are batched, each in a file of its own, into as
few invocations as their top-level names allow (two snippets that declare the same name
go in different invocations); each top-level snippet needs its own invocation (it must
be the module's main.swift). Two invocations run at once. swiftc stops type-checking the
other files of an invocation after an error in one, so a batch that fails is compiled
again one file at a time, to show every snippet's diagnostics.

Usage: check-snippets.py [--modules DIR] [--jobs N] [--keep DIR] [--list] [FILE.md|FILE.swift ...]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Warnings a snippet may produce: values it shows but does not use further.
ALLOWED_WARNINGS = re.compile(r"never used|never mutated|never read")

DECLARATION = re.compile(
    r"^(import |@|//|/\*|\*|}|\)|"
    r"(public |private |fileprivate |internal |package |final |nonisolated |indirect )*"
    r"(func|struct|class|actor|enum|protocol|extension|typealias|let|var)\b)"
)
# A top-level `let`/`var` whose value needs `try` or `await` is not a declaration a
# file scope accepts: such a snippet is a program.
STATEMENT_BINDING = re.compile(r"^(let|var)\s.*=\s*(try|await)\b")
DECLARED_NAME = re.compile(
    r"^(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|package|final|nonisolated|indirect)\s+)*"
    r"(?:func|struct|class|actor|enum|protocol|typealias|let|var)\s+([A-Za-z_][A-Za-z0-9_]*)"
)


@dataclass
class Snippet:
    path: str  # relative to ROOT
    line: int  # line of the first line of code (1-based)
    code: list[str]
    annotation_line: int | None = None
    context: str | None = None
    # Each line of the prelude, with the markdown line it comes from.
    prelude: list[tuple[int, str]] = field(default_factory=list)
    continues: bool = False
    fails: str | None = None
    crashes: str | None = None
    skip: str | None = None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


class AnnotationError(Exception):
    pass


def parse_annotation(text: str, snippet: Snippet, line: int) -> None:
    """Reads `key; key; prelude: rest` into the snippet; `text` starts on `line` and may
    span several lines."""
    position = 0
    while True:
        position = re.compile(r"\s*").match(text, position).end()
        if position >= len(text):
            return
        if text.startswith("prelude:", position):
            start = position + len("prelude:")
            number = line + text.count("\n", 0, start)
            for statement in text[start:].split(";"):
                leading = statement[: len(statement) - len(statement.lstrip())]
                if statement.strip():
                    # A statement broken over two lines of the comment is one line here.
                    code = " ".join(part.strip() for part in statement.strip().split("\n"))
                    snippet.prelude.append((number + leading.count("\n"), code))
                number += statement.count("\n")
            return
        end = text.find(";", position)
        end = len(text) if end < 0 else end
        key = text[position:end].strip()
        position = end + 1
        quoted = re.fullmatch(r'(fails|crashes|skip)\s+"(.*)"', key)
        if quoted:
            setattr(snippet, quoted.group(1), quoted.group(2))
        elif key in ("main", "file", "function", "package"):
            snippet.context = key
        elif key == "continues":
            snippet.continues = True
        elif key:
            raise AnnotationError(f"unknown key {key!r}")


FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*(\S*)\s*$")
# A doc comment line: `///`, then one space that is not part of the text.
DOC_LINE = re.compile(r"^\s*///(?!/) ?(.*)$")


def extract(path: str) -> list[Snippet]:
    """The snippets of a markdown file, or of the doc comments of a Swift file."""
    text = open(os.path.join(ROOT, path), encoding="utf-8").read().split("\n")
    snippets: list[Snippet] = []
    if path.endswith(".swift"):
        # Each run of contiguous `///` lines is a markdown text of its own; a fence with
        # no language is Swift there, as DocC renders it.
        block: list[str] = []
        first = 0
        for number, line in enumerate(text + [""]):
            doc = DOC_LINE.match(line)
            if doc:
                if not block:
                    first = number
                block.append(doc.group(1))
            elif block:
                snippets += extract_lines(path, block, first, bare_is_swift=True)
                block = []
    else:
        snippets = extract_lines(path, text, 0, bare_is_swift=False)
    # `continues`: the previous snippet of the file is the prelude.
    for index, snippet in enumerate(snippets):
        if not snippet.continues:
            continue
        if index == 0:
            raise SystemExit(f"{snippet.where}: error: `continues` on the first snippet of the file")
        previous = snippets[index - 1]
        snippet.context = snippet.context or infer_context(snippet.code)
        snippet.prelude = numbered(previous) + snippet.prelude
    return snippets


def comment_end(lines: list[str], start: int) -> int | None:
    """The line that ends the HTML comment that starts on line `start`."""
    for index in range(start, len(lines)):
        if "-->" in lines[index]:
            return index
        if index > start and not lines[index].strip():
            return None
    return None


def extract_lines(path: str, lines: list[str], offset: int, bare_is_swift: bool) -> list[Snippet]:
    """The snippets of `lines`, whose first line is line `offset + 1` of the file."""

    def swift_fence(line: str) -> re.Match[str] | None:
        fence = FENCE.match(line)
        if fence and (fence.group(3) == "swift" or (bare_is_swift and not fence.group(3))):
            return fence
        return None

    fences = "```swift" + (" or ```" if bare_is_swift else "")
    snippets: list[Snippet] = []
    i = 0
    while i < len(lines):
        fence = swift_fence(lines[i])
        if not fence:
            # Skip other fenced blocks whole, so that a ```swift inside one is not read.
            other = re.match(r"^(\s*)(```+|~~~+)", lines[i])
            if other:
                i += 1
                while i < len(lines) and not lines[i].strip().startswith(other.group(2)):
                    i += 1
            elif re.match(r"^\s*<!--\s*snippet\b", lines[i]) and not (
                (close := comment_end(lines, i)) is not None
                and close + 1 < len(lines) and swift_fence(lines[close + 1])
            ):
                raise SystemExit(
                    f"{path}:{offset + i + 1}: error: a snippet annotation must be on the line right "
                    f"before a {fences} fence")
            i += 1
            continue
        indent, marker = fence.group(1), fence.group(2)
        start = i + 1
        j = start
        while j < len(lines) and lines[j].strip() != marker:
            j += 1
        if j == len(lines) and bare_is_swift:
            raise SystemExit(f"{path}:{offset + i + 1}: error: the fence is not closed in its doc comment")
        code = [l[len(indent):] if l.startswith(indent) else l.lstrip() for l in lines[start:j]]
        snippet = Snippet(path=path, line=offset + start + 1, code=code)
        # The annotation: the comment that ends on the line before the fence, which may
        # start a few lines above.
        first = i - 1
        if first >= 0 and lines[first].strip().endswith("-->"):
            while first > 0 and lines[first].strip() and not lines[first].lstrip().startswith("<!--"):
                first -= 1
        above = "\n".join(l.strip() for l in lines[first:i]) if first >= 0 else ""
        comment = re.fullmatch(r"<!--\s*snippet:(.*?)-->", above, re.DOTALL)
        if comment:
            snippet.annotation_line = offset + first + 1
            try:
                parse_annotation(comment.group(1), snippet, offset + first + 1)
            except AnnotationError as error:
                raise SystemExit(f"{path}:{offset + first + 1}: error: snippet annotation: {error}")
        elif above.startswith("<!--") and "snippet" in above:
            raise SystemExit(f"{path}:{offset + first + 1}: error: malformed snippet annotation: {above}")
        snippets.append(snippet)
        i = j + 1
    return snippets


def numbered(snippet: Snippet) -> list[tuple[int, str]]:
    """The snippet with its prelude, each line with its markdown line."""
    return snippet.prelude + [(snippet.line + n, l) for n, l in enumerate(snippet.code)]


def full_code(snippet: Snippet) -> list[str]:
    return [l for _, l in numbered(snippet)]


def infer_context(code: list[str]) -> str:
    if "import PackageDescription" in code:
        return "package"
    for line in code:
        if not line.strip() or line[0].isspace():
            continue
        if STATEMENT_BINDING.match(line) or not DECLARATION.match(line):
            return "main"
    return "file"


def declared_names(snippet: Snippet) -> set[str]:
    names = set()
    for line in full_code(snippet):
        if line and not line[0].isspace():
            match = DECLARED_NAME.match(line)
            if match:
                names.add(match.group(1))
    return names


def source(snippet: Snippet, index: int) -> str:
    """The Swift file for the snippet, with its lines mapped back to the markdown."""
    out: list[str] = []
    body_indent = ""
    context = snippet.context
    imports = [l for l in full_code(snippet) if l.startswith("import ")]
    if context == "function":
        out += imports
        needs_async = any(re.search(r"\bawait\b", l) for l in full_code(snippet))
        effects = "async throws" if needs_async else "throws"
        out.append(f"func snippet{index}() {effects} {{")
        body_indent = "    "
    elif context == "package" and "import PackageDescription" not in imports:
        # `#sourceLocation` may not stand inside an expression: the call's first line
        # takes the fence's line.
        out.append("import PackageDescription")
        out.append(f'#sourceLocation(file: "{snippet.path}", line: {snippet.line - 1})')
        out.append('let package = Package(name: "MyApp",')
        body_indent = "    "
    if "import ZeroMQ" not in imports and context != "package":
        out.insert(0, "import ZeroMQ")
    # A doc comment's snippet is read where its module is imported.
    if snippet.path.startswith("Sources/ZeroMQServices/") and "import ZeroMQServices" not in imports:
        out.insert(0, "import ZeroMQServices")

    wrapped = context == "package" and "import PackageDescription" not in imports
    last = snippet.line - 1 if wrapped else None
    for number, l in numbered(snippet):
        if last is None or number != last + 1:
            out.append(f'#sourceLocation(file: "{snippet.path}", line: {number})')
        last = number
        if context == "function" and l.startswith("import "):
            out.append("")
        else:
            out.append(body_indent + l if l.strip() else "")
    if context == "function":
        out.append("}")
    elif wrapped:
        out.append(")")
    out.append("#sourceLocation()")
    return "\n".join(out) + "\n"


@dataclass
class Job:
    name: str
    snippets: list[Snippet]
    files: list[str]
    arguments: list[str]
    expect: str = "pass"  # pass, fails, crashes


@dataclass
class Diagnostic:
    text: str
    severity: str


def parse_diagnostics(output: str) -> list[Diagnostic]:
    result = []
    for line in output.splitlines():
        match = re.match(r"^(.*?):(\d+):(\d+): (error|warning): (.*)$", line)
        if match:
            result.append(Diagnostic(line, match.group(4)))
    return result


def run(job: Job) -> tuple[Job, list[str]]:
    """Runs one compiler invocation; returns the problems found."""
    process = subprocess.run(job.arguments, cwd=ROOT, capture_output=True, text=True)
    output = process.stdout + process.stderr
    problems: list[str] = []
    if job.expect == "crashes":
        snippet = job.snippets[0]
        if process.returncode == 0:
            problems.append(
                f"{snippet.where}: error: the snippet no longer crashes swiftc; "
                "update the text around it and its annotation")
        elif snippet.crashes not in output:
            problems.append(f"{snippet.where}: error: swiftc failed without {snippet.crashes!r}:\n{output}")
        return job, problems
    diagnostics = parse_diagnostics(output)
    errors = [d for d in diagnostics if d.severity == "error"]
    if job.expect == "fails":
        snippet = job.snippets[0]
        if not any(snippet.fails in d.text for d in errors):
            shown = "\n".join(d.text for d in diagnostics) or output.strip() or "(compiled without errors)"
            problems.append(
                f"{snippet.where}: error: expected the snippet to fail to compile with "
                f"{snippet.fails!r}; swiftc said:\n{shown}")
        return job, problems
    for d in diagnostics:
        if d.severity == "warning" and ALLOWED_WARNINGS.search(d.text):
            continue
        problems.append(d.text)
    if process.returncode != 0 and not errors:
        problems.append(f"{job.name}: error: swiftc exited with {process.returncode}:\n{output}")
    if problems:
        # The notes that follow each diagnostic help: show the whole output once.
        notes = [l for l in output.splitlines() if ": note: " in l]
        problems += notes
    return job, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", required=True, help="the build's Modules directory (holds ZeroMQ.swiftmodule)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", help="write the generated sources here and keep them")
    parser.add_argument("--list", action="store_true", help="list the snippets and their contexts, compile nothing")
    parser.add_argument("files", nargs="*")
    options = parser.parse_args()

    started = time.monotonic()
    files = options.files or (
        ["README.md"]
        + sorted(glob.glob("Docs/*.md", root_dir=ROOT))
        + sorted(glob.glob("Sources/ZeroMQ/ZeroMQ.docc/*.md", root_dir=ROOT))
        + sorted(glob.glob("Sources/ZeroMQ/**/*.swift", root_dir=ROOT, recursive=True))
        + sorted(glob.glob("Sources/ZeroMQServices/**/*.swift", root_dir=ROOT, recursive=True))
    )
    snippets = [s for f in files for s in extract(f)]
    for s in snippets:
        s.context = s.context or infer_context(s.code)
    if options.list:
        for s in snippets:
            flags = " ".join(
                x for x in [
                    s.context,
                    "continues" if s.continues else "",
                    "prelude" if s.prelude and not s.continues else "",
                    f'fails "{s.fails}"' if s.fails else "",
                    f'crashes "{s.crashes}"' if s.crashes else "",
                    f'skip "{s.skip}"' if s.skip else "",
                ] if x)
            print(f"{s.where}: {flags}")
        return 0

    swiftc = shutil.which("swiftc")
    if swiftc is None:
        print("swiftc was not found", file=sys.stderr)
        return 1
    toolchain = os.path.dirname(os.path.dirname(os.path.realpath(swiftc)))
    manifest_api = os.path.join(toolchain, "lib", "swift", "pm", "ManifestAPI")
    common = [
        swiftc, "-typecheck", "-swift-version", "6",
        "-I", options.modules, "-I", os.path.join(ROOT, "Sources", "CZeroMQ"),
    ]

    work = options.keep or tempfile.mkdtemp(prefix="snippets-")
    os.makedirs(work, exist_ok=True)
    jobs: list[Job] = []

    def write(name: str, text: str) -> str:
        path = os.path.join(work, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
        return path

    skipped = [s for s in snippets if s.skip]
    checked = [s for s in snippets if not s.skip]
    batched: list[tuple[int, Snippet]] = []
    for index, s in enumerate(checked):
        if s.crashes:
            path = write(f"crash{index}/main.swift", source(s, index))
            arguments = [swiftc, "-emit-sil", "-o", os.devnull, "-swift-version", "6",
                         "-I", options.modules, "-I", os.path.join(ROOT, "Sources", "CZeroMQ"), path]
            if s.context != "main":
                arguments.append("-parse-as-library")
            jobs.append(Job(s.where, [s], [path], arguments, "crashes"))
        elif s.context == "package":
            path = write(f"package{index}/Package.swift", source(s, index))
            arguments = [swiftc, "-typecheck", "-swift-version", "6", "-I", manifest_api,
                         "-package-description-version", "6.2", path]
            jobs.append(Job(s.where, [s], [path], arguments, "fails" if s.fails else "pass"))
        elif s.context == "main" or s.fails:
            path = write(f"main{index}/main.swift", source(s, index))
            jobs.append(Job(s.where, [s], [path], common + [path], "fails" if s.fails else "pass"))
        else:
            batched.append((index, s))

    # File-scope and function snippets: as few invocations as their names allow.
    batches: list[tuple[set[str], list[tuple[int, Snippet]]]] = []
    for index, s in batched:
        names = declared_names(s) if s.context == "file" else set()
        for taken, members in batches:
            if not (taken & names):
                taken |= names
                members.append((index, s))
                break
        else:
            batches.append((set(names), [(index, s)]))
    for number, (_, members) in enumerate(batches):
        paths = [write(f"batch{number}/snippet{index}.swift", source(s, index)) for index, s in members]
        # -parse-as-library: no file is a main file, so none may hold top-level code.
        jobs.append(Job(f"batch {number}", [s for _, s in members], paths,
                        common + ["-parse-as-library", "-module-name", f"Snippets{number}"] + paths))

    # The slowest first: batches, then the rest in order.
    jobs.sort(key=lambda job: -len(job.snippets))
    problems: list[str] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=options.jobs) as pool:
        # swiftc stops type-checking the other files of an invocation after an error in
        # one: a batch that fails is compiled again one file at a time, so that every
        # snippet's diagnostics are shown.
        failed: list[tuple[list[str], list[Job]]] = []
        for job, found in pool.map(run, jobs):
            if found and len(job.files) > 1:
                base = [a for a in job.arguments if a not in job.files]
                failed.append((found, [Job(s.where, [s], [f], base + [f]) for s, f in zip(job.snippets, job.files)]))
            else:
                problems += found
        for found, retries in failed:
            alone = [p for _, each in pool.map(run, retries) for p in each]
            # Snippets that fail only together (a name declared twice) show the batch's.
            problems += alone or found

    elapsed = time.monotonic() - started
    main_count = sum(1 for j in jobs if j.expect == "pass" and len(j.snippets) == 1 and j.files[0].endswith("main.swift"))
    summary = (
        f"{len(checked)} snippets checked in {elapsed:.1f} s "
        f"({len(batched)} batched in {len(batches)} invocations, {main_count} top-level programs, "
        f"{sum(1 for s in checked if s.fails)} expected to fail, "
        f"{sum(1 for s in checked if s.crashes)} expected to crash swiftc, "
        f"{sum(1 for s in checked if s.context == 'package')} Package.swift), "
        f"{len(skipped)} skipped")
    if not options.keep:
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"check-snippets: FAILED: {sum(1 for p in problems if ': error: ' in p or ': warning: ' in p)} "
              f"problems; {summary}", file=sys.stderr)
        return 1
    print(f"check-snippets: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
