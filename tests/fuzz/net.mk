FUZZ_TARGETS += net
FUZZ_SRCS_net := net/admit.c net/e1000e_ring.c net/virtio_ring.c net/ucon_fmt.c lib/format.c lib/parse.c \
                 tests/fuzz/fuzz_net.c
