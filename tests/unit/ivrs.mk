UNIT_TESTS += ivrs
UNIT_SRCS_ivrs := iommu/ivrs.c lib/format.c lib/parse.c tests/unit/test_ivrs.c
UNIT_TESTS += iommu
UNIT_SRCS_iommu := iommu/iopt.c iommu/dte.c iommu/decode.c \
                   $(wildcard acpi/*.c) lib/format.c lib/parse.c tests/unit/test_iommu.c
