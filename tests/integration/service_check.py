"""What a daemon traced by strace did that its systemd unit forbids.

    service_check.py UNIT TRACE WRITABLE_DIR...

UNIT: the unit file (its SystemCallFilter= lines: the first an allow list
of syscall groups and names, the lines starting with ~ a deny list), whose
groups `systemd-analyze syscall-filter` expands. TRACE: `strace -f -o`
output. Prints JSON: the number of system calls made, the distinct names,
those outside the filter, and the files written (opened for writing,
created, renamed, removed) outside the WRITABLE_DIRs (the unit's
StateDirectory and CacheDirectory, and /dev/null: ProtectSystem=strict makes
everything else read-only but a private /tmp, which the daemon does not
write), and those written inside them;
memory mapped writable and executable, or made executable
(MemoryDenyWriteExecute=); the socket families opened, and those outside
RestrictAddressFamilies=.

Run with /usr/bin/python3 (Debian's), which tests/integration/test_service.c
does.
"""
import json
import re
import subprocess
import sys

LINE = re.compile(r'^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)(\(| resumed>)')
WRITE_FLAGS = re.compile(r'O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND')
PATH_CALLS = {
    'open', 'openat', 'openat2', 'creat', 'mkdir', 'mkdirat', 'mknod', 'mknodat', 'rename',
    'renameat', 'renameat2', 'unlink', 'unlinkat', 'rmdir', 'link', 'linkat', 'symlink',
    'symlinkat', 'truncate', 'chmod', 'fchmodat', 'chown', 'lchown', 'fchownat', 'utimensat',
    'setxattr', 'lsetxattr', 'bind',
}
OPENS = {'open', 'openat', 'openat2'}


def expand(name, seen):
    """The syscall names of a group (@name) or of a name."""
    if not name.startswith('@'):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    out = subprocess.run(['systemd-analyze', 'syscall-filter', name], capture_output=True,
                         text=True, check=True).stdout
    names = set()
    for word in out.split('\n')[1:]:
        word = word.strip()
        if word and not word.startswith('#'):
            names |= expand(word.split()[0], seen)
    return names


def unit_families(path):
    """The socket address families of RestrictAddressFamilies=."""
    for line in open(path, encoding='utf-8'):
        if line.startswith('RestrictAddressFamilies='):
            return set(line.split('=', 1)[1].split())
    sys.exit('no RestrictAddressFamilies= in ' + path)


def unit_filter(path):
    allow, deny = None, set()
    for line in open(path, encoding='utf-8'):
        line = line.strip()
        if not line.startswith('SystemCallFilter='):
            continue
        words = line.split('=', 1)[1].split()
        if words and words[0].startswith('~'):
            words[0] = words[0][1:]
            for w in words:
                deny |= expand(w, set())
        else:
            allow = set()
            for w in words:
                allow |= expand(w, set())
    if allow is None:
        sys.exit('no SystemCallFilter= allow list in ' + path)
    return allow - deny


def quoted(args):
    """The string arguments of a call's argument text, in order."""
    return [m.group(1) for m in re.finditer(r'"((?:[^"\\]|\\.)*)"', args)]


def whole_calls(trace):
    """Each call's name and text (its arguments and result), a call that
    another thread interrupted (`<unfinished ...>`, then `<... NAME
    resumed>`) put together again; and the names of every line."""
    pending = {}
    for line in open(trace, encoding='utf-8', errors='replace'):
        m = LINE.match(line)
        if not m:
            continue
        pid, name = line.split()[0], m.group(1)
        yield name, None
        text = line[m.end():].rstrip('\n')
        if m.group(2) == '(':
            if text.endswith('<unfinished ...>'):
                pending[pid] = (name, text[:-len('<unfinished ...>')])
                continue
            yield name, text
        elif pid in pending:
            name, start = pending.pop(pid)
            yield name, start + text


def main():
    unit, trace, writable = sys.argv[1], sys.argv[2], sys.argv[3:]
    allowed, families = unit_filter(unit), unit_families(unit)
    calls, names, writes, inside, wx, sockets = 0, set(), set(), set(), [], set()
    for name, args in whole_calls(trace):
        names.add(name)
        if args is None:
            continue
        calls += 1
        line = name + '(' + args
        # MemoryDenyWriteExecute=: no mapping writable and executable, no
        # mapping made executable, no shared memory attached executable
        if (name == 'mmap' and 'PROT_WRITE' in args and 'PROT_EXEC' in args) or \
                (name in ('mprotect', 'pkey_mprotect') and 'PROT_EXEC' in args) or \
                (name == 'shmat' and 'SHM_EXEC' in args):
            wx.append(line.strip()[:200])
        if name == 'socket':
            sockets.add(args.split(',')[0].strip())
        if name not in PATH_CALLS:
            continue
        if name in OPENS and not WRITE_FLAGS.search(args):
            continue
        if name == 'bind' and 'AF_UNIX' not in args:
            continue  # an address, not a path
        if name in ('mkdir', 'mkdirat') and '= -1 EEXIST' in args:
            continue  # a directory there already: EEXIST on a read-only mount too
        paths = quoted(args)
        if len(paths) == 0:
            continue
        # a path relative to the working directory (/ under systemd) or to
        # a directory's descriptor is not resolved: it counts as outside
        # (none is written today), which errs on the strict side
        for p in paths[:2] if name.startswith(('rename', 'link')) else paths[:1]:
            if not any(p == d or p.startswith(d.rstrip('/') + '/') for d in writable):
                writes.add(p)
            else:
                inside.add(p)
    print(json.dumps({'calls': calls, 'names': len(names),
                      'outside': sorted(names - allowed), 'writes': sorted(writes),
                      'written_inside': sorted(inside), 'write_and_execute': wx[:5],
                      'families': sorted(sockets),
                      'families_outside': sorted(sockets - families)}))


main()
