/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The io.cnprocd.Monitor varlink interface: the Manager's state, read-only except
 * Reload, and a live event feed. */

#include "format.h"
#include "varlink.h"

typedef struct Manager Manager;
typedef struct Subscriber Subscriber;

extern const VarlinkInterface monitor_interface;

/* Send one event to every subscriber whose filter it passes. */
void monitor_broadcast(Manager *m, const EventRecord *rec);
/* End every subscription (daemon stopping). */
void monitor_close_subscribers(Manager *m);
/* Event types the subscribers want (bit 1 << ProcEventType), 0 if none. */
uint32_t monitor_subscribed_types(Manager *m);
