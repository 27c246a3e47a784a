/*
 * children.h - the registry of the process groups the host started for
 * checks (get_subprocess_output), so that a cancelled run or a stopping
 * host can kill them, and their own children, with one kill(-pgid).
 *
 * Each add and remove is mirrored to the janitor (janitor.h), which kills
 * the groups still registered when the host is gone.
 *
 * Every function is async-signal-safe and lock-free (fixed table of atomic
 * slots), so a signal handler or a watchdog may kill everything while a
 * worker thread registers or removes a group. GIL: none needed.
 */
#ifndef RTLOADER_HOST_CHILDREN_H
#define RTLOADER_HOST_CHILDREN_H

#include <stdbool.h>
#include <sys/types.h>

/* More groups alive at once than this are still run, but not registered (logged). */
#define HOST_CHILDREN_MAX 256

/*
 * The owner the calling thread's new groups are registered under: a
 * worker sets it to the check it runs (NULL: no owner, killed only when
 * the host stops). Thread-local.
 */
void host_children_set_owner(const void *owner);
const void *host_children_owner(void);

/* Registers process group `pgid` for the calling thread's owner. Returns a slot, or -1 when full. */
int host_children_add(pid_t pgid);

/*
 * Unregisters a slot (-1 is ignored). Returns true when the group was
 * killed through the registry meanwhile. Call it BEFORE reaping the group
 * leader, so that the pgid cannot be reused by another process while it
 * is still registered.
 */
bool host_children_remove(int slot);

/* SIGKILLs every group registered under `owner` (NULL: every group). Returns how many. */
int host_children_kill(const void *owner);

#endif /* RTLOADER_HOST_CHILDREN_H */
