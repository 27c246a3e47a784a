package testdatadogagent

/*
#include <dlfcn.h>

// Whether the calling thread holds the GIL, asked of the libpython the
// backend loaded (RTLD_GLOBAL); -1 if it cannot be found.
static int gil_held(void)
{
    int (*check)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "PyGILState_Check");
    return check != NULL ? check() : -1;
}
*/
import "C"

// gilHeld reports PyGILState_Check() for the calling thread (a callback
// runs on the thread that called it).
func gilHeld() int { return int(C.gil_held()) }
