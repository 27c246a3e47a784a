/*
 * libpython.h - the libpython a python home brings (front library only).
 * GIL: none anywhere (no interpreter runs while make3 loads one).
 */
#ifndef RTLOADER_FRONT_LIBPYTHON_H
#define RTLOADER_FRONT_LIBPYTHON_H

#include <stddef.h>

#include "loader.h"

/*
 * Before make3 loads the backend of Python `version` ("3.11") for `home`:
 * when the home holds its own shared libpython3.X, load it (RTLD_GLOBAL)
 * so that the backend's DT_NEEDED soname resolves to it and the home's
 * exact version runs, not the one the backend was linked against.
 * Writes into `note` what happened when the build's libpython will be used
 * instead (empty when the home's own was loaded). Never fails: the fallback
 * is the backend's own libpython.
 */
RTL_INTERNAL void rtl_libpython_preload(const char *home, const char *version, char *note,
                                        size_t note_len);

/*
 * The path of the libpython the loaded backend `handle` runs, into `out`
 * ("" when it cannot be told).
 */
RTL_INTERNAL void rtl_libpython_path(void *handle, char *out, size_t len);

#endif /* RTLOADER_FRONT_LIBPYTHON_H */
