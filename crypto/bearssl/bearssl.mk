# crypto/bearssl/bearssl.mk - the BearSSL files the hypervisor builds: the
# ChaCha20-Poly1305 AEAD only (RFC 8439), in its portable constant-time
# implementations. BearSSL's files get the kernel's freestanding flags
# without our warning set (its warnings are not ours to fix); our port
# file keeps every warning as an error. Only objects under
# $(BUILD)/crypto/bearssl and $(BUILD)/bearssl see BearSSL's headers.

BEARSSL_SRC_FILES := symcipher/chacha20_ct.c symcipher/poly1305_ctmul.c
BEARSSL_OBJS      := $(patsubst %.c,$(BUILD)/bearssl/%.o,$(BEARSSL_SRC_FILES))
BEARSSL_INC       := -Icrypto/bearssl/shim -I$(BEARSSL_DIR)/inc -I$(BEARSSL_DIR)/src
BEARSSL_CFLAGS    := $(filter-out $(WARN),$(KCFLAGS)) -w $(BEARSSL_INC)
# For host tests and fuzz targets that link the AEAD.
BEARSSL_HOST_SRCS := $(addprefix $(BEARSSL_DIR)/src/,$(BEARSSL_SRC_FILES)) \
                     crypto/bearssl/aead.c crypto/util.c
BEARSSL_HOST_INC  := -I$(BEARSSL_DIR)/inc -I$(BEARSSL_DIR)/src

$(BUILD)/crypto/bearssl/%.o: KCFLAGS += $(BEARSSL_INC)
$(patsubst %.c,$(BUILD)/%.o,$(wildcard crypto/bearssl/*.c)): | $(BEARSSL_STAMP)

$(BUILD)/bearssl/%.o: $(BEARSSL_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      bearssl/$*.c")
	$(Q)$(CC) $(BEARSSL_CFLAGS) -c $(BEARSSL_DIR)/src/$*.c -o $@

-include $(wildcard $(BEARSSL_OBJS:.o=.d))

# Host tests name BearSSL's sources directly: they appear with the stamp.
$(addprefix $(BEARSSL_DIR)/src/,$(BEARSSL_SRC_FILES)): $(BEARSSL_STAMP) ;
