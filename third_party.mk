# third_party.mk - third-party sources the build fetches, pinned.
#
# Each is a Debian source package fetched by tools/fetch-src.sh (apt-get
# source, with deb-src entries derived from this machine's own apt sources;
# no mirror is named in this repository), its upstream tarball checked
# against the SHA-256 below and unpacked into $(THIRD_PARTY). Never
# committed. `make third-party` fetches them all; the kernel's lwIP objects
# depend on lwIP's stamp, so a first `make` fetches it.
#
# To move to another version: `apt-cache showsrc NAME` (with deb-src
# entries) lists the Debian versions and the SHA-256 of each orig tarball.
# The stamps are named by the Debian version, so a new pin fetches anew.

THIRD_PARTY := $(BUILD)/third_party

# lwIP 2.1.3 (Debian bookworm `lwip`; the +dfsg repack drops no file we build)
LWIP_DEB    := 2.1.3+dfsg1-2
LWIP_SHA256 := 0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24
LWIP_DIR    := $(THIRD_PARTY)/lwip-2.1.3+dfsg1
LWIP_STAMP  := $(LWIP_DIR)/.fetched-$(LWIP_DEB)

# BearSSL 0.6 (Debian bookworm `bearssl`), for the authenticated console
BEARSSL_DEB    := 0.6+dfsg.1-3
BEARSSL_SHA256 := 102a625bd8f6155260867a50c508df8d8c3f796985dd744df1a68e5cd1a79004
BEARSSL_DIR    := $(THIRD_PARTY)/bearssl-0.6+dfsg.1
BEARSSL_STAMP  := $(BEARSSL_DIR)/.fetched-$(BEARSSL_DEB)

$(LWIP_STAMP):
	$(Q)tools/fetch-src.sh lwip $(LWIP_DEB) $(LWIP_SHA256) $(THIRD_PARTY)

$(BEARSSL_STAMP):
	$(Q)tools/fetch-src.sh bearssl $(BEARSSL_DEB) $(BEARSSL_SHA256) $(THIRD_PARTY)

.PHONY: third-party
third-party: $(LWIP_STAMP) $(BEARSSL_STAMP)
