# SPDX-License-Identifier: MIT
"""gdb helpers for hotmem.

    (gdb) source contrib/gdb-hotmem.py
    (gdb) hm-regions t          # t: a struct hm_target * in scope
    (gdb) hm-targets ctx        # ctx: a struct hm_ctx *
"""
import gdb


def _walk(head, type_name):
    t = gdb.lookup_type(type_name).pointer()
    off = int(gdb.parse_and_eval(f"&(({type_name} *)0)->list"))
    node = head['next']
    while int(node) != int(head.address):
        yield (node.cast(gdb.lookup_type('char').pointer()) - off).cast(t)
        node = node['next']


class Regions(gdb.Command):
    """hm-regions TARGET: list a target's regions."""

    def __init__(self):
        super().__init__('hm-regions', gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        t = gdb.parse_and_eval(arg)
        print(f"{'start':>18} {'end':>18} {'nr':>5} {'last':>5} {'age':>5} {'est':>12}")
        for r in _walk(t['regions'], 'struct hm_region'):
            print(f"{int(r['start']):#18x} {int(r['end']):#18x} "
                  f"{int(r['nr_accesses']):5} {int(r['last_nr_accesses']):5} "
                  f"{int(r['age']):5} {int(r['est_accesses']):12}")
        print(f"{int(t['nr_regions'])} regions")


class Targets(gdb.Command):
    """hm-targets CTX: list a context's targets."""

    def __init__(self):
        super().__init__('hm-targets', gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        ctx = gdb.parse_and_eval(arg)
        for t in _walk(ctx['targets'], 'struct hm_target'):
            print(f"{int(t):#x} pid {int(t['pid'])} regions {int(t['nr_regions'])}")


Regions()
Targets()
