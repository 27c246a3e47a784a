/*
 * crash_maps.c - what a crash report needs so that its C frames can be
 * symbolised after the process is gone: each frame as <module>+<offset>
 * and every loaded module with its load address (docs/crash.md shows the
 * addr2line command).
 *
 * Runs inside the SIGSEGV handler, so async-signal-safe only: the module
 * list comes from /proc/self/maps through open/read/close (dl_iterate_phdr
 * takes the loader's lock, which the crashing thread may hold), parsed by
 * hand into static storage (no malloc). Not reentrant: crash.c lets one
 * thread report at a time.
 *
 * GIL: none.
 */
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "crash.h"
#include "rtl_sigsafe.h"

#define MAX_MODULES 512
#define MAX_PATH_LEN 256
#define LINE_MAX_LEN 512

struct module {
    uintptr_t start, end; /* mapped range, all segments */
    uintptr_t base;       /* address of file offset 0: the load address */
    uintptr_t bias;       /* what to subtract from an address for addr2line */
    bool exec;            /* has an executable segment: code, not a data file */
    char path[MAX_PATH_LEN];
};

static struct module modules[MAX_MODULES];
static int module_count;
static bool modules_truncated;

static const char *parse_hex(const char *p, uintptr_t *out)
{
    uintptr_t v = 0;
    for (;; p++) {
        char c = *p;
        if (c >= '0' && c <= '9') {
            v = v * 16 + (uintptr_t)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            v = v * 16 + (uintptr_t)(c - 'a' + 10);
        } else {
            break;
        }
    }
    *out = v;
    return p;
}

static const char *skip_field(const char *p)
{
    while (*p != '\0' && *p != ' ') {
        p++;
    }
    while (*p == ' ') {
        p++;
    }
    return p;
}

/*
 * An ET_EXEC (non-PIE) executable is linked at its final addresses: its
 * frames need no adjustment. Everything else (shared objects, PIE) is
 * relative to its load address. The ELF header is read from the module's
 * first mapping, which the loader maps readable.
 */
static uintptr_t module_bias(uintptr_t base, bool first_readable)
{
    if (!first_readable) {
        return base;
    }
    const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)base;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_type == ET_EXEC) {
        return 0;
    }
    return base;
}

/* One line of /proc/self/maps: "start-end perms offset dev inode   path". */
static void add_mapping(const char *line)
{
    uintptr_t start, end, offset;
    const char *p = parse_hex(line, &start);
    if (*p != '-') {
        return;
    }
    p = parse_hex(p + 1, &end);
    if (*p != ' ') {
        return;
    }
    const char *perms = p + 1;
    p = skip_field(perms);
    p = parse_hex(p, &offset);
    p = skip_field(p); /* offset's trailing spaces */
    p = skip_field(p); /* dev */
    p = skip_field(p); /* inode */
    if (*p != '/') {
        return; /* anonymous, [heap], [stack], [vdso]... */
    }
    bool exec = perms[2] == 'x';
    if (module_count > 0) {
        struct module *last = &modules[module_count - 1];
        if (strncmp(last->path, p, MAX_PATH_LEN - 1) == 0) {
            last->end = end;
            last->exec = last->exec || exec;
            return;
        }
    }
    if (module_count == MAX_MODULES) {
        modules_truncated = true;
        return;
    }
    struct module *m = &modules[module_count++];
    m->start = start;
    m->end = end;
    m->base = start - offset;
    m->exec = exec;
    m->bias = module_bias(m->base, offset == 0 && perms[0] == 'r');
    size_t len = strlen(p);
    if (len >= MAX_PATH_LEN) {
        len = MAX_PATH_LEN - 1;
    }
    memcpy(m->path, p, len);
    m->path[len] = '\0';
}

static void load_modules(void)
{
    module_count = 0;
    modules_truncated = false;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return;
    }
    char buf[2048];
    char line[LINE_MAX_LEN];
    size_t used = 0;
    bool overlong = false; /* the rest of a line longer than `line` is dropped */
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                line[used] = '\0';
                add_mapping(line);
                used = 0;
                overlong = false;
            } else if (used < sizeof(line) - 1) {
                line[used++] = buf[i];
            } else if (!overlong) {
                overlong = true;
            }
        }
    }
    close(fd);
}

static const struct module *module_of(uintptr_t addr)
{
    for (int i = 0; i < module_count; i++) {
        if (addr >= modules[i].start && addr < modules[i].end) {
            return &modules[i];
        }
    }
    return NULL;
}

static void print_frame(int index, uintptr_t addr)
{
    const struct module *m = module_of(addr);
    rtl_sigsafe_str(STDERR_FILENO, "  #");
    rtl_sigsafe_unsigned(STDERR_FILENO, (unsigned long)index, 10);
    rtl_sigsafe_str(STDERR_FILENO, " 0x");
    rtl_sigsafe_unsigned(STDERR_FILENO, (unsigned long)addr, 16);
    if (m != NULL) {
        rtl_sigsafe_str(STDERR_FILENO, " ");
        rtl_sigsafe_str(STDERR_FILENO, m->path);
        rtl_sigsafe_str(STDERR_FILENO, "+0x");
        rtl_sigsafe_unsigned(STDERR_FILENO, (unsigned long)(addr - m->bias), 16);
    } else {
        rtl_sigsafe_str(STDERR_FILENO, " ?");
    }
    rtl_sigsafe_str(STDERR_FILENO, "\n");
}

void rtl_crash_print_modules(void *const *frames, int count)
{
    load_modules();
    rtl_sigsafe_str(STDERR_FILENO, "C-LAND FRAMES BY MODULE (addr2line -f -e <module> <offset>; "
                                   "see docs/crash.md):\n");
    int repeats = 0; /* a recursion fills the trace with one frame: say it once */
    for (int i = 0; i < count; i++) {
        if (i > 0 && frames[i] == frames[i - 1]) {
            repeats++;
            if (i < count - 1) {
                continue;
            }
        }
        if (repeats > 0) {
            rtl_sigsafe_str(STDERR_FILENO, "  ... the frame above ");
            rtl_sigsafe_unsigned(STDERR_FILENO, (unsigned long)repeats, 10);
            rtl_sigsafe_str(STDERR_FILENO, " more times\n");
            repeats = 0;
            if (frames[i] == frames[i - 1]) {
                continue;
            }
        }
        print_frame(i, (uintptr_t)frames[i]);
    }
    rtl_sigsafe_str(STDERR_FILENO, "LOADED MODULES (load address, path):\n");
    for (int i = 0; i < module_count; i++) {
        if (!modules[i].exec) {
            continue;
        }
        rtl_sigsafe_str(STDERR_FILENO, "  0x");
        rtl_sigsafe_unsigned(STDERR_FILENO, (unsigned long)modules[i].base, 16);
        rtl_sigsafe_str(STDERR_FILENO, " ");
        rtl_sigsafe_str(STDERR_FILENO, modules[i].path);
        rtl_sigsafe_str(STDERR_FILENO, "\n");
    }
    if (modules_truncated) {
        rtl_sigsafe_str(STDERR_FILENO, "  (more modules not listed)\n");
    }
}
