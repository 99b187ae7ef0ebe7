import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import hvtest  # noqa: E402


@pytest.fixture
def boot(request):
    """boot(cmdline=..., smp=.., mem=.., uefi=.., guest_args=..) -> Machine."""
    machines = []

    def _boot(cmdline="shutdown", guest_args=None, with_guest=True,
              extra_modules=None, linux=False, default=0, gfxpayload=None,
              **kw):
        iso = hvtest.make_iso(cmdline, guest_args, with_guest, extra_modules,
                              linux, default, gfxpayload)
        name = request.node.name.replace("/", "_").replace("[", "-").rstrip("]")
        if machines:
            name += "-%d" % len(machines)
        m = hvtest.Machine(name, iso, **kw)
        machines.append(m)
        return m

    yield _boot
    for m in machines:
        m.close()
