/* smp/internal.h - shared between the files of smp/ only. */
#ifndef SMP_INTERNAL_H
#define SMP_INTERNAL_H

#include "smp/smp.h"

struct percpu *percpu_create(uint32_t index, uint32_t apic_id, bool with_stack);
void percpu_destroy(struct percpu *c);
/* percpu_pin_stacks: the CPU's stack frames are handed to it (pin) or no
 * longer used by it (unpin); freeing a pinned stack is a premature free
 * (frame_pin). The boot CPU's main stack is in the image, not a frame. */
void percpu_pin_stacks(struct percpu *c, bool pin);
void percpu_load(struct percpu *c);
void nmi_init_cpu(void);
void ap_entry(struct percpu *c);

#endif
