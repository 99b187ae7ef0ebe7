# tests/unit/net.mk - host tests for net/: the 82574L rings against a
# simulated device (also one that writes garbage), the UDP console's
# framing, address parsing.
UNIT_TESTS += net
UNIT_SRCS_net := net/admit.c net/e1000e_ring.c net/virtio_ring.c net/ucon_fmt.c net/ipv4.c lib/format.c \
                 lib/parse.c tests/unit/test_net.c
