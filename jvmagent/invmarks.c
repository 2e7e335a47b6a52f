/* A bounded FIFO of invocation marks (invmarks.h). */
#include "invmarks.h"

bool invmarks_push(invmarks *m, const invmark *mark)
{
	if (m->n == INVMARKS_MAX) {
		m->dropped++;
		return false;
	}
	m->q[(m->head + m->n++) % INVMARKS_MAX] = *mark;
	return true;
}

bool invmarks_pop(invmarks *m, uint32_t gen, invmark *out)
{
	if (!m->n || m->q[m->head].gen > gen)
		return false;
	*out = m->q[m->head];
	m->head = (m->head + 1) % INVMARKS_MAX;
	m->n--;
	return true;
}
