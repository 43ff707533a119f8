#!/usr/bin/env python3
"""The chart library's modules (charts/chart_*.c) use each other without a
cycle: module A uses module B when A's object refers to a symbol (function
or data) that B's object defines, as nm reads them from the built library.

    chart_modules.py NM LIBRARY           one line per cycle, exit 1 when there
                                          is one (or when no module was read)
    chart_modules.py NM LIBRARY --graph   prints who uses whom, then checks
    chart_modules.py --self-test          shows on nm text of its own that a
                                          cycle is caught and an acyclic graph
                                          passes
"""
import os
import re
import subprocess
import sys

# nm -A -P -g: "archive[member]: name type [value size]" (a thin archive's
# member is the object's path); a plain object: "object: name type ...".
LINE = re.compile(r'^(?:[^\[]*\[)?([^\]\s]+?)\]?: (\S+) ([A-Za-z])')
UNDEFINED = {'U', 'w', 'v'}


def module_of(member):
    """chart_frame for .../chart_frame.c.o or chart_frame.o; None otherwise."""
    name = os.path.basename(member)
    for suffix in ('.c.o', '.o', '.c.obj', '.obj'):
        if name.endswith(suffix):
            name = name[:-len(suffix)]
            break
    return name if name.startswith('chart_') else None


def graph_of(nm_text):
    """{module: set of modules it uses}, from nm -A -P -g output."""
    defined, wanted = {}, {}
    for line in nm_text.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        module = module_of(m.group(1))
        if module is None:
            continue
        defined.setdefault(module, set())
        wanted.setdefault(module, set())
        (wanted if m.group(3) in UNDEFINED else defined)[module].add(m.group(2))
    owner = {sym: mod for mod, syms in defined.items() for sym in syms}
    return {mod: {owner[s] for s in syms if s in owner and owner[s] != mod}
            for mod, syms in wanted.items()}


def cycles(graph):
    """The cycles between modules: for every module of a strongly connected
    component of more than one module (Tarjan), a shortest cycle through it,
    as a list a, b, ..., a starting at its first module in name order."""
    index, low, stack, on_stack, comps = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(set(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    found = []
    for comp in comps:
        for v in sorted(comp):
            path = shortest_cycle(graph, comp, v)
            k = path.index(min(path))
            path = path[k:-1] + path[:k] + [path[k]]
            if path not in found:
                found.append(path)
    return sorted(found)


def shortest_cycle(graph, comp, start):
    """A shortest path start -> ... -> start within comp (breadth first)."""
    parent, queue = {start: None}, [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v]):
            if w not in comp:
                continue
            if w == start:
                path = [v]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])
                return path[::-1] + [start]
            if w not in parent:
                parent[w] = v
                queue.append(w)
    raise AssertionError('a strongly connected component always closes')


def check(nm_text, show_graph=False, out=sys.stdout):
    graph = graph_of(nm_text)
    if show_graph:
        for mod in sorted(graph):
            print(f'{mod} -> {", ".join(sorted(graph[mod])) or "-"}', file=out)
    if len(graph) < 2 or not any(graph.values()):
        print('chart_modules: no chart_*.o symbols read (LTO objects? wrong library?)', file=out)
        return 1
    found = cycles(graph)
    for path in found:
        print('chart_modules: modules call each other: ' + ' -> '.join(path), file=out)
    return 1 if found else 0


def self_test():
    """nm text of three modules: chart_png using chart_bytes passes; chart_png
    and chart_frame using each other is reported, as is a longer loop."""
    def nm(*rows):
        return '\n'.join(f'lib.a[dir/{obj}.c.o]: {sym} {t} 0 0' for obj, sym, t in rows)
    base = [('chart_bytes', 'chart_bytes_append', 'T'),
            ('chart_png', 'chart_png_encode', 'T'), ('chart_png', 'chart_bytes_append', 'U'),
            ('chart_frame', 'chart_frame_render', 'T'), ('chart_frame', 'chart_png_encode', 'U'),
            ('chart_frame', 'cairo_create', 'U')]
    two = base + [('chart_png', 'chart_frame_render', 'U')]
    three = base + [('chart_bytes', 'chart_frame_render', 'U')]
    data = base + [('chart_bytes', 'chart_ink', 'R'), ('chart_frame', 'chart_ink', 'U'),
                   ('chart_bytes', 'chart_frame_render', 'U')]
    sink = open(os.devnull, 'w')
    results = {
        'acyclic': check(nm(*base), out=sink) == 0,
        'two modules': cycles(graph_of(nm(*two))) == [['chart_frame', 'chart_png',
                                                       'chart_frame']],
        'three modules': cycles(graph_of(nm(*three))) == [['chart_bytes', 'chart_frame',
                                                           'chart_png', 'chart_bytes']],
        'through data': check(nm(*data), out=sink) == 1,
        'nothing read': check('', out=sink) == 1,
        'thin archive line': graph_of(
            'x/lib.a[x/lib.a.p/chart_a.c.o]: f T 0 0\nx/lib.a[x/lib.a.p/chart_b.c.o]: f U\n'
        ) == {'chart_a': set(), 'chart_b': {'chart_a'}},
    }
    sink.close()
    for name, ok in results.items():
        print(f'self-test {name}: {"ok" if ok else "FAILED"}')
    return 0 if all(results.values()) else 1


def main(argv):
    if argv[1:] == ['--self-test']:
        return self_test()
    if len(argv) not in (3, 4) or (len(argv) == 4 and argv[3] != '--graph'):
        print(__doc__, file=sys.stderr)
        return 2
    text = subprocess.run([argv[1], '-A', '-P', '-g', argv[2]], check=True,
                          capture_output=True, text=True).stdout
    return check(text, show_graph=len(argv) == 4)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
