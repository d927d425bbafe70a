/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A final reply whose parameters are one large array, written element by element
 * as text (see VarlinkArray in varlink.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "varlink.h"

int varlink_array_begin(VarlinkArray *a, const char *key)
{
	*a = (VarlinkArray){};
	if (!key || !*key || strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				     "0123456789_") != strlen(key))
		return -EINVAL;
	a->f = open_memstream(&a->text, &a->size);
	if (!a->f)
		return -ENOMEM;
	if (fprintf(a->f, "{\"parameters\":{\"%s\":[", key) < 0) {
		varlink_array_done(a);
		return -ENOMEM;
	}
	return 0;
}

int varlink_array_add(VarlinkArray *a, json_t *element)
{
	int r = 0;

	if (!a->f || !element)
		r = -ENOMEM;
	else if ((a->n > 0 && fputc(',', a->f) == EOF) ||
		 json_dumpf(element, a->f, JSON_COMPACT) < 0)
		r = -ENOMEM;
	json_decref(element);
	if (r == 0)
		a->n++;
	return r;
}

size_t varlink_array_size(const VarlinkArray *a)
{
	long pos = a->f ? ftell(a->f) : -1;

	return pos > 0 ? (size_t)pos : 0;
}

/* end: what closes the text, the final reply's or a continuing one's */
static int array_send(VarlinkCall *call, VarlinkArray *a, const char *end, bool final)
{
	char *text;
	size_t l;

	if (!a->f || fputs(end, a->f) == EOF || fflush(a->f) == EOF || ferror(a->f)) {
		varlink_array_done(a);
		return -ENOMEM;
	}
	fclose(a->f);
	a->f = NULL;
	/* the memory stream keeps a NUL after its text: the wire's separator */
	text = TAKE_PTR(a->text);
	l = a->size + 1;
	varlink_array_done(a);
	return final ? varlink_call_reply_text(call, text, l) : varlink_call_notify_text(call, text, l);
}

int varlink_call_reply_array(VarlinkCall *call, VarlinkArray *a)
{
	return array_send(call, a, "]}}", true);
}

int varlink_call_notify_array(VarlinkCall *call, VarlinkArray *a)
{
	return array_send(call, a, "]},\"continues\":true}", false);
}

void varlink_array_done(VarlinkArray *a)
{
	if (a->f)
		fclose(a->f);
	free(a->text);
	*a = (VarlinkArray){};
}
