/*
 * module.c -- the single module entry of the dunning extension.
 *
 * The capabilities live in their own source files (currency.c, ...); this
 * file carries the module magic block that the server checks on load, and
 * installs the one hook the module has (payment_route.c) and the
 * transaction callbacks of the notes of new actions (action_notify.c).
 */
#include "postgres.h"
#include "fmgr.h"

#include "action_notify.h"
#include "payment_route.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	dunning_payment_route_init();
	dunning_action_notify_init();
}
