/*
 * run.c - calling a check instance: run, cancel, warnings, diagnoses.
 *
 * run_check is called once per check per collection interval: it calls the
 * method through a name interned once at init rather than building one per
 * call.
 */
#include <stdlib.h>
#include <string.h>

#include "strconv.h"
#include "strview.h"
#include "three.h"

static PyObject *name_run;
static PyObject *name_cancel;
static PyObject *name_get_warnings;
static PyObject *name_get_diagnoses;

int run_names_init(void)
{
    run_names_fini();
    name_run = PyUnicode_InternFromString("run");
    name_cancel = PyUnicode_InternFromString("cancel");
    name_get_warnings = PyUnicode_InternFromString("get_warnings");
    name_get_diagnoses = PyUnicode_InternFromString("get_diagnoses");
    if (name_run == NULL || name_cancel == NULL || name_get_warnings == NULL
        || name_get_diagnoses == NULL) {
        run_names_fini();
        return -1;
    }
    return 0;
}

void run_names_fini(void)
{
    Py_CLEAR(name_run);
    Py_CLEAR(name_cancel);
    Py_CLEAR(name_get_warnings);
    Py_CLEAR(name_get_diagnoses);
}

/* check.<name>(): new ref, or NULL with a Python error. */
static PyObject *call_method(PyObject *obj, PyObject *name)
{
    return PyObject_CallMethodObjArgs(obj, name, NULL);
}

char *three_run_check(rtloader_t *rt, rtloader_pyobject_t *check)
{
    struct three *t = THREE(rt);
    if (check == NULL) {
        return NULL;
    }
    char *result = NULL;
    PyObject *ret = call_method((PyObject *)check, name_run); /* new ref */
    if (ret == NULL || !PyUnicode_Check(ret)) {
        /* a non-str result has no exception pending: the message ends in ": " */
        three_set_error_py(t, "error invoking 'run' method: ");
        goto done;
    }
    result = as_string(ret);
    if (result == NULL) {
        three_set_error(t, "error converting 'run' result to string");
    }

done:
    Py_XDECREF(ret);
    return result;
}

void three_cancel_check(rtloader_t *rt, rtloader_pyobject_t *check)
{
    if (check == NULL) {
        return;
    }
    PyObject *ret = call_method((PyObject *)check, name_cancel); /* new ref */
    if (ret == NULL) {
        three_set_error_py(THREE(rt), "error invoking 'cancel' method: ");
        return;
    }
    Py_DECREF(ret);
}

/* Frees a NULL-terminated array of the first `count` strings and the array. */
static void free_string_array(char **array, Py_ssize_t count)
{
    for (Py_ssize_t i = 0; i < count; i++) {
        three_free(array[i]);
    }
    three_free(array);
}

char **three_get_checks_warnings(rtloader_t *rt, rtloader_pyobject_t *check)
{
    struct three *t = THREE(rt);
    if (check == NULL) {
        return NULL;
    }
    char **warnings = NULL;
    PyObject *list = call_method((PyObject *)check, name_get_warnings); /* new ref */
    if (list == NULL) {
        three_set_error_py(t, "error invoking 'get_warnings' method: ");
        goto done;
    }
    Py_ssize_t count = PyList_Size(list);
    if (count < 0) {
        three_set_error_py(t, "error computing 'len(warnings)': ");
        goto done;
    }
    warnings = three_malloc(sizeof(char *) * ((size_t)count + 1));
    if (warnings == NULL) {
        three_set_error(t, "could not allocate memory to store warnings");
        goto done;
    }
    /* Upstream leaves a NULL slot for a non-str element, which silently cuts
     * the array short for the host; such elements are skipped instead. */
    Py_ssize_t kept = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyList_GetItem(list, i); /* borrowed */
        if (item == NULL) {
            three_set_error_py(t, "there was an error browsing 'warnings' list: ");
            free_string_array(warnings, kept);
            warnings = NULL;
            goto done;
        }
        /* str or bytes, as upstream's as_string; bytes must be UTF-8 */
        const char *view = NULL;
        if (c_string_view(item, &view, NULL) < 0) {
            PyErr_Clear();
        }
        char *text = view != NULL ? as_string(item) : NULL;
        if (text != NULL) {
            warnings[kept++] = text;
        }
    }
    warnings[kept] = NULL;

done:
    Py_XDECREF(list);
    return warnings;
}

/* JSON string body for `text`: the short escapes, \u00XX for other controls. */
static char *json_escape(const char *text)
{
    size_t len = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        len += (*p == '"' || *p == '\\' || *p == '\b' || *p == '\f' || *p == '\n' || *p == '\r'
                || *p == '\t')
                   ? 2
                   : (*p < 0x20 ? 6 : 1);
    }
    char *out = malloc(len + 1);
    if (out == NULL) {
        return NULL;
    }
    char *o = out;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        const char *esc = NULL;
        switch (*p) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default: break;
        }
        if (esc != NULL) {
            *o++ = esc[0];
            *o++ = esc[1];
        } else if (*p < 0x20) {
            static const char hex[] = "0123456789abcdef";
            memcpy(o, "\\u00", 4);
            o[4] = hex[*p >> 4];
            o[5] = hex[*p & 0xf];
            o += 6;
        } else {
            *o++ = (char)*p;
        }
    }
    *o = '\0';
    return out;
}

/* The diagnosis the host gets when get_diagnoses() itself failed. */
static char *failed_diagnoses(const char *message)
{
    static const char head[]
        = "[{\"result\":3, \"diagnosis\": \"check's get_diagnoses() method failed\", "
          "\"rawerror\": \"";
    static const char tail[] = "\"}]";
    char *escaped = json_escape(message);
    if (escaped == NULL) {
        return NULL;
    }
    size_t elen = strlen(escaped);
    char *json = three_malloc(sizeof(head) - 1 + elen + sizeof(tail));
    if (json != NULL) {
        memcpy(json, head, sizeof(head) - 1);
        memcpy(json + sizeof(head) - 1, escaped, elen);
        memcpy(json + sizeof(head) - 1 + elen, tail, sizeof(tail));
    }
    free(escaped);
    return json;
}

char *three_get_check_diagnoses(rtloader_t *rt, rtloader_pyobject_t *check)
{
    (void)rt;
    if (check == NULL) {
        return NULL;
    }
    char *result = NULL;
    PyObject *ret = call_method((PyObject *)check, name_get_diagnoses); /* new ref */
    if (ret == NULL) {
        char *message = three_fetch_python_error();
        result = failed_diagnoses(message);
        free(message);
    } else {
        /* as upstream's as_string: anything but a convertible str fails the conversion */
        result = PyUnicode_Check(ret) ? as_string(ret) : NULL;
        if (result == NULL) {
            result = failed_diagnoses("error converting 'get_diagnoses' result to string");
        }
    }
    Py_XDECREF(ret);
    return result;
}
