/* smp/internal.h - shared between the files of smp/ only. */
#ifndef SMP_INTERNAL_H
#define SMP_INTERNAL_H

#include "smp/smp.h"

struct percpu *percpu_create(uint32_t index, uint32_t apic_id, bool with_stack);
void percpu_destroy(struct percpu *c);
void percpu_load(struct percpu *c);
void nmi_init_cpu(void);
void ap_entry(struct percpu *c);

#endif
