/* SPDX-License-Identifier: MIT */
/*
 * Intrusive doubly linked lists, in the shape of the kernel's <linux/list.h>,
 * so that region and target code reads like its DAMON counterpart. The list
 * head is a sentinel; an empty list points at itself.
 */
#ifndef HOTMEM_LIST_H
#define HOTMEM_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct hm_list {
	struct hm_list *next, *prev;
};

#define hm_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

static inline void hm_list_init(struct hm_list *head)
{
	head->next = head;
	head->prev = head;
}

static inline bool hm_list_empty(const struct hm_list *head)
{
	return head->next == head;
}

/* Insert @entry between two consecutive entries @prev and @next. */
static inline void hm_list_insert(struct hm_list *entry, struct hm_list *prev,
				  struct hm_list *next)
{
	next->prev = entry;
	entry->next = next;
	entry->prev = prev;
	prev->next = entry;
}

static inline void hm_list_add_tail(struct hm_list *entry, struct hm_list *head)
{
	hm_list_insert(entry, head->prev, head);
}

static inline void hm_list_del(struct hm_list *entry)
{
	entry->prev->next = entry->next;
	entry->next->prev = entry->prev;
	entry->next = entry;
	entry->prev = entry;
}

#define hm_list_entry(ptr, type, member) hm_container_of(ptr, type, member)

#define hm_list_first_entry(head, type, member) \
	hm_list_entry((head)->next, type, member)

#define hm_list_last_entry(head, type, member) \
	hm_list_entry((head)->prev, type, member)

#define hm_list_next_entry(pos, member) \
	hm_list_entry((pos)->member.next, __typeof__(*(pos)), member)

#define hm_list_prev_entry(pos, member) \
	hm_list_entry((pos)->member.prev, __typeof__(*(pos)), member)

/* True when @pos is the container of the sentinel, i.e. the walk is over. */
#define hm_list_entry_is_head(pos, head, member) (&(pos)->member == (head))

#define hm_list_for_each_entry(pos, head, member)                        \
	for (pos = hm_list_first_entry(head, __typeof__(*(pos)), member); \
	     !hm_list_entry_is_head(pos, head, member);                   \
	     pos = hm_list_next_entry(pos, member))

#define hm_list_for_each_entry_safe(pos, n, head, member)                 \
	for (pos = hm_list_first_entry(head, __typeof__(*(pos)), member),  \
	    n = hm_list_next_entry(pos, member);                           \
	     !hm_list_entry_is_head(pos, head, member);                    \
	     pos = n, n = hm_list_next_entry(n, member))

/* Continue from @pos itself (included), as list_for_each_entry_from. */
#define hm_list_for_each_entry_from(pos, head, member) \
	for (; !hm_list_entry_is_head(pos, head, member); \
	     pos = hm_list_next_entry(pos, member))

#endif /* HOTMEM_LIST_H */
