/*
 * crashdump.c - the crashing thread's Python traceback, for the front's
 * SIGSEGV handler (rtloader/crash.c), which knows nothing of Python.
 *
 * Async-signal-safe as faulthandler is: no allocation, no lock, no GIL;
 * only reads of the thread's frames and write(2). CPython's own dumper,
 * _Py_DumpTraceback, is used when the libpython exports it (found with
 * dlsym when the backend is created, never in the handler): 3.8, 3.11 and
 * 3.12 do in the builds we know. 3.9, 3.10 (pyenv builds) and 3.13 (it
 * became `extern`) do not, so the walk below does the same job, in the
 * same format, from each version's frame layout.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dlfcn.h>

#if PY_VERSION_HEX < 0x030B0000
#    include <frameobject.h>
#elif PY_VERSION_HEX >= 0x030D0000
/* The interpreter frame's layout is internal since 3.11; the walk needs its
 * `previous` link and owner. */
#    define Py_BUILD_CORE 1
#    include "internal/pycore_frame.h"
#endif

#include "rtl_sigsafe.h"
#include "three.h"

#define MAX_FRAMES 100
#define MAX_STRING 500

typedef void (*cpython_dump_t)(int fd, PyThreadState *tstate);
static cpython_dump_t cpython_dump;

void three_crashdump_prepare(void)
{
    Dl_info info;
    if (dladdr((void *)&Py_IsInitialized, &info) == 0 || info.dli_fname == NULL) {
        return;
    }
    void *libpython = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    if (libpython != NULL) {
        cpython_dump = (cpython_dump_t)dlsym(libpython, "_Py_DumpTraceback");
        dlclose(libpython); /* NOLOAD's reference; the library stays */
    }
}

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030D0000

/*
 * A str, ASCII as is and anything else escaped as faulthandler does
 * (\xNN, \uNNNN, \UNNNNNNNN: fixed widths, so the text reads back
 * unambiguously), at most MAX_STRING characters.
 */
static void write_unicode(int fd, PyObject *s)
{
    if (s == NULL || !PyUnicode_Check(s)) {
        rtl_sigsafe_str(fd, "???");
        return;
    }
    Py_ssize_t len = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    for (Py_ssize_t i = 0; i < len && i < MAX_STRING; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c >= ' ' && c < 0x7f) {
            char ch = (char)c;
            rtl_sigsafe_write(fd, &ch, 1);
        } else {
            unsigned width = c < 0x100 ? 2 : c < 0x10000 ? 4 : 8;
            rtl_sigsafe_str(fd, width == 2 ? "\\x" : width == 4 ? "\\u" : "\\U");
            rtl_sigsafe_hex_padded(fd, (unsigned long)c, width);
        }
    }
    if (len > MAX_STRING) {
        rtl_sigsafe_str(fd, "...");
    }
}

static void write_frame(int fd, PyCodeObject *code, int line)
{
    rtl_sigsafe_str(fd, "  File \"");
    write_unicode(fd, code != NULL ? code->co_filename : NULL);
    rtl_sigsafe_str(fd, "\", line ");
    if (line >= 0) {
        rtl_sigsafe_unsigned(fd, (unsigned long)line, 10);
    } else {
        rtl_sigsafe_str(fd, "???");
    }
    rtl_sigsafe_str(fd, " in ");
    write_unicode(fd, code != NULL ? code->co_name : NULL);
    rtl_sigsafe_str(fd, "\n");
}

static void walk_frames(int fd, PyThreadState *tstate)
{
    int depth = 0;
#    if PY_VERSION_HEX < 0x030B0000
    for (PyFrameObject *f = tstate->frame; f != NULL; f = f->f_back) {
        if (depth++ == MAX_FRAMES) {
            rtl_sigsafe_str(fd, "  ...\n");
            return;
        }
        write_frame(fd, f->f_code, PyFrame_GetLineNumber(f));
    }
#    else
    for (struct _PyInterpreterFrame *f = tstate->current_frame; f != NULL; f = f->previous) {
        if (f->owner == FRAME_OWNED_BY_CSTACK) {
            continue; /* the C caller's entry frame: no Python code of its own */
        }
        if (depth++ == MAX_FRAMES) {
            rtl_sigsafe_str(fd, "  ...\n");
            return;
        }
        PyObject *code = f->f_executable;
        write_frame(fd, code != NULL && PyCode_Check(code) ? (PyCodeObject *)code : NULL,
                    PyUnstable_InterpreterFrame_GetLine(f));
    }
#    endif
    if (depth == 0) {
        rtl_sigsafe_str(fd, "  <no Python frame>\n");
    }
}

#else /* 3.11, 3.12: CPython exports its dumper in every build we know */

static void walk_frames(int fd, PyThreadState *tstate)
{
    (void)tstate;
    rtl_sigsafe_str(fd, "  (this libpython does not export _Py_DumpTraceback)\n");
}

#endif

void three_dump_traceback(int fd)
{
    if (!Py_IsInitialized()) {
        rtl_sigsafe_str(fd, "  (Python is not initialized)\n");
        return;
    }
    PyThreadState *tstate = PyGILState_GetThisThreadState();
    if (tstate == NULL) {
        rtl_sigsafe_str(fd, "  (this thread has no Python thread state)\n");
        return;
    }
    if (cpython_dump != NULL) {
        cpython_dump(fd, tstate);
        return;
    }
    rtl_sigsafe_str(fd, "Stack (most recent call first):\n");
    walk_frames(fd, tstate);
}
