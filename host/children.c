/*
 * children.c - the process groups started for checks. See children.h.
 *
 * A slot holds a pgid (0: free) and its owner. Claiming is a compare and
 * swap on the pgid, so a killer racing with add/remove either sees a
 * whole registration or none; a group killed by the registry is marked so
 * that the thread waiting for it reports a cancellation, not an exit code.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>

#include "children.h"
#include "janitor.h"

struct slot {
    _Atomic pid_t pgid;
    _Atomic uintptr_t owner;
    atomic_bool killed;
};

static struct slot slots[HOST_CHILDREN_MAX];
static _Thread_local const void *thread_owner;

void host_children_set_owner(const void *owner)
{
    thread_owner = owner;
}

const void *host_children_owner(void)
{
    return thread_owner;
}

int host_children_add(pid_t pgid)
{
    if (pgid <= 0) {
        return -1;
    }
    for (int i = 0; i < HOST_CHILDREN_MAX; i++) {
        pid_t expected = 0;
        /* claim with a placeholder first: the owner must be in place before a killer sees the pgid */
        if (atomic_compare_exchange_strong(&slots[i].pgid, &expected, -1)) {
            atomic_store(&slots[i].owner, (uintptr_t)thread_owner);
            atomic_store(&slots[i].killed, false);
            atomic_store(&slots[i].pgid, pgid);
            host_janitor_register(pgid); /* so that it dies even when the host is SIGKILLed */
            return i;
        }
    }
    return -1;
}

bool host_children_remove(int slot)
{
    if (slot < 0 || slot >= HOST_CHILDREN_MAX) {
        return false;
    }
    bool killed = atomic_load(&slots[slot].killed);
    /* before the leader is reaped (the contract above): the janitor never kills a reused pgid */
    host_janitor_release(atomic_load(&slots[slot].pgid));
    atomic_store(&slots[slot].pgid, 0);
    return killed;
}

int host_children_kill(const void *owner)
{
    int count = 0;
    for (int i = 0; i < HOST_CHILDREN_MAX; i++) {
        pid_t pgid = atomic_load(&slots[i].pgid);
        if (pgid <= 0) {
            continue;
        }
        if (owner != NULL && atomic_load(&slots[i].owner) != (uintptr_t)owner) {
            continue;
        }
        atomic_store(&slots[i].killed, true);
        /* the leader is not reaped before its slot is freed, so the pgid cannot be reused here */
        if (kill(-pgid, SIGKILL) == 0) {
            count++;
        }
    }
    return count;
}
