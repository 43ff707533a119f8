#!/usr/bin/env python3
"""The daemon's layers (docs/architecture.md): a file of daemon/LAYER/ may
include headers of its own layer and of the layers LAYER may use, never of
a layer above it.

    check_layers.py SRCDIR            checks the tree; one line per upward
                                      include, exit 1 when there is one
    check_layers.py --self-test       shows on a scratch tree that an upward
                                      include is caught (and a legal one is not)
"""
import os
import re
import sys
import tempfile

# What each layer may include, besides itself (design.md's table). "charts"
# is the chart library's public header; "generated" the build's own
# (version.h, sql_embed.c's header lives in db/).
MAY_USE = {
    'core': set(),
    'db': {'core'},
    'compute': {'core', 'db'},
    'snapshot': {'core', 'db'},
    'views': {'core', 'snapshot'},
    'render': {'core', 'views', 'charts'},
    'access': {'core', 'db'},
    'http': {'core', 'db', 'compute', 'snapshot', 'views', 'render', 'access', 'charts'},
    'mail': {'core', 'db', 'snapshot', 'views', 'render', 'access', 'charts'},
    'jobs': {'core', 'db', 'compute', 'snapshot', 'views', 'render', 'access', 'mail', 'charts'},
    'cmd': {'core', 'db', 'compute', 'snapshot', 'views', 'render', 'access', 'http', 'mail',
            'jobs', 'charts'},
}
GENERATED = {'version.h': 'core'}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def header_layers(src):
    """Which layer each header of daemon/ and charts/ belongs to."""
    where = dict(GENERATED)
    for layer in MAY_USE:
        d = os.path.join(src, 'daemon', layer)
        if os.path.isdir(d):
            for name in os.listdir(d):
                if name.endswith('.h'):
                    where[name] = layer
    where['chart.h'] = 'charts'
    return where


def check(src):
    where = header_layers(src)
    problems = []
    for layer, allowed in MAY_USE.items():
        d = os.path.join(src, 'daemon', layer)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if not name.endswith(('.c', '.h')):
                continue
            with open(os.path.join(d, name), encoding='utf-8') as f:
                text = f.read()
            for header in INCLUDE.findall(text):
                owner = where.get(header)
                if owner is None:
                    problems.append(f'daemon/{layer}/{name}: includes "{header}", '
                                    'which no layer holds')
                elif owner != layer and owner not in allowed:
                    problems.append(f'daemon/{layer}/{name}: includes "{header}" of layer '
                                    f'{owner}, above {layer} (it may use: '
                                    f'{", ".join(sorted(allowed)) or "nothing"})')
    stray = [n for n in os.listdir(os.path.join(src, 'daemon'))
             if n.endswith(('.c', '.h'))]
    problems += [f'daemon/{n}: a file outside the layer folders' for n in stray]
    return problems


def self_test():
    """An upward include in a scratch tree must be reported; the same tree
    without it must pass."""
    with tempfile.TemporaryDirectory() as tmp:
        for layer, body in [('core', '#include "buf.h"\n'), ('views', '#include "snap.h"\n'),
                            ('snapshot', ''), ('http', '')]:
            os.makedirs(os.path.join(tmp, 'daemon', layer))
        open(os.path.join(tmp, 'daemon', 'core', 'buf.h'), 'w').close()
        open(os.path.join(tmp, 'daemon', 'snapshot', 'snap.h'), 'w').close()
        open(os.path.join(tmp, 'daemon', 'http', 'api.h'), 'w').close()
        with open(os.path.join(tmp, 'daemon', 'views', 'kpis.c'), 'w') as f:
            f.write('#include "snap.h"\n#include "buf.h"\n')
        clean = check(tmp)
        with open(os.path.join(tmp, 'daemon', 'views', 'kpis.c'), 'a') as f:
            f.write('#include "api.h"\n')
        upward = check(tmp)
    if clean:
        print('self-test: a legal tree was refused: ' + '; '.join(clean))
        return 1
    if len(upward) != 1 or 'layer http, above views' not in upward[0]:
        print('self-test: an upward include was not caught: ' + '; '.join(upward))
        return 1
    print('self-test: caught ' + upward[0])
    return 0


def main():
    if sys.argv[1:] == ['--self-test']:
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    problems = check(sys.argv[1])
    for p in problems:
        print(p)
    if not problems:
        print('layers: every include points down')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
