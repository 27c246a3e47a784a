package testuutil

/*
#include <dlfcn.h>

// Whether the calling thread holds the GIL (PyGILState_Check of the
// libpython the backend loaded); -1 if it cannot be found.
static int gil_held(void)
{
    int (*check)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "PyGILState_Check");
    return check != NULL ? check() : -1;
}
*/
import "C"

func gilHeld() int { return int(C.gil_held()) }
