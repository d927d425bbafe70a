/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Intrusive doubly-linked lists: an item has `next` and `prev` pointers, the list
 * is a pointer to its first item. One place for the unlinking that is easy to get
 * wrong. */

#define LIST_PREPEND(head, item)                                                           \
	do {                                                                               \
		(item)->prev = NULL;                                                       \
		(item)->next = (head);                                                     \
		if (head)                                                                  \
			(head)->prev = (item);                                             \
		(head) = (item);                                                           \
	} while (0)

#define LIST_REMOVE(head, item)                                                            \
	do {                                                                               \
		if ((item)->prev)                                                          \
			(item)->prev->next = (item)->next;                                 \
		else                                                                       \
			(head) = (item)->next;                                             \
		if ((item)->next)                                                          \
			(item)->next->prev = (item)->prev;                                 \
		(item)->next = (item)->prev = NULL;                                        \
	} while (0)
