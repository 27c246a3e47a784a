/*
 * loader.h - finding, loading and unloading a backend (front library only).
 */
#ifndef RTLOADER_FRONT_LOADER_H
#define RTLOADER_FRONT_LOADER_H

#include "rtloader_backend.h"

#define RTL_INTERNAL __attribute__((visibility("hidden")))

/* The backend's method table for a handle (the caller checked it is not NULL). */
static inline const struct rtl_backend_ops *rtl_ops(const rtloader_t *rt)
{
    return ((const struct rtl_backend_instance *)rt)->ops;
}

#endif /* RTLOADER_FRONT_LOADER_H */
