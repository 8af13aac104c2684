/* SPDX-License-Identifier: BSD-2-Clause */
/* Intrusive circular doubly linked list (the shape of the kernel's list_head). */
#ifndef LB_LIST_H
#define LB_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct lb_list {
	struct lb_list *next, *prev;
};

#define lb_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

static inline void lb_list_init(struct lb_list *h)
{
	h->next = h;
	h->prev = h;
}

static inline bool lb_list_empty(const struct lb_list *h)
{
	return h->next == h;
}

static inline void lb_list_add_between(struct lb_list *n, struct lb_list *prev,
				       struct lb_list *next)
{
	n->next = next;
	n->prev = prev;
	prev->next = n;
	next->prev = n;
}

static inline void lb_list_add(struct lb_list *n, struct lb_list *head)
{
	lb_list_add_between(n, head, head->next);
}

static inline void lb_list_add_tail(struct lb_list *n, struct lb_list *head)
{
	lb_list_add_between(n, head->prev, head);
}

static inline void lb_list_del_init(struct lb_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	lb_list_init(n);
}

static inline void lb_list_move(struct lb_list *n, struct lb_list *head)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	lb_list_add(n, head);
}

#define lb_list_entry(ptr, type, member) lb_container_of(ptr, type, member)
#define lb_list_for_each(pos, head)	 for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)
#define lb_list_for_each_safe(pos, tmp, head)                                                      \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head);                           \
	     (pos) = (tmp), (tmp) = (pos)->next)

#endif
