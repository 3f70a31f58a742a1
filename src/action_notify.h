/*
 * action_notify.h -- the new queued actions of a statement, for its NOTIFY
 * (action_notify.c).
 */
#ifndef DUNNING_ACTION_NOTIFY_H
#define DUNNING_ACTION_NOTIFY_H

/* registers the transaction callbacks that drop the notes (_PG_init) */
extern void dunning_action_notify_init(void);

#endif							/* DUNNING_ACTION_NOTIFY_H */
