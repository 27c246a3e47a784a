/*
 * checks.c - finding a check class, reading its attributes, building an
 * instance, and the experimental discovery hook.
 *
 * The caller holds the GIL. NULL Python objects give the failure value
 * without an error (as upstream does for get_attr_string and run_check).
 */
#include <string.h>

#include "strconv.h"
#include "three.h"

/*
 * First name of dir(module), in dir's sorted order, naming a class that is
 * a strict subclass of `base` with no subclasses of its own. Returns a new
 * reference, or NULL with *reason set (static text).
 */
static PyObject *find_subclass(PyObject *module, PyObject *base, const char **reason)
{
    if (base == NULL || !PyType_Check(base)) {
        *reason = "base class is not of type 'Class'";
        return NULL;
    }
    if (!PyModule_Check(module)) {
        *reason = "module is not of type 'Module'";
        return NULL;
    }
    PyObject *names = PyObject_Dir(module); /* new ref */
    if (names == NULL || !PyList_Check(names)) {
        PyErr_Clear();
        Py_XDECREF(names);
        *reason = "there was an error calling dir() on module object";
        return NULL;
    }
    PyObject *found = NULL;
    Py_ssize_t count = PyList_Size(names);
    for (Py_ssize_t i = 0; i < count && found == NULL; i++) {
        PyObject *name = PyList_GetItem(names, i); /* borrowed */
        if (name == NULL) {
            PyErr_Clear();
            *reason = "there was an error browsing dir() output";
            Py_DECREF(names);
            return NULL;
        }
        if (!PyUnicode_Check(name)) {
            continue;
        }
        PyObject *candidate = PyObject_GetAttr(module, name); /* new ref */
        if (candidate == NULL) {
            PyErr_Clear();
            continue;
        }
        if (PyType_Check(candidate) && PyObject_IsSubclass(candidate, base) == 1) {
            int is_base = PyObject_RichCompareBool(candidate, base, Py_EQ);
            PyObject *subclasses = is_base == 0 ? PyObject_CallMethod(candidate, "__subclasses__", NULL)
                                                : NULL; /* new ref */
            if (subclasses != NULL && PyList_Check(subclasses) && PyList_Size(subclasses) == 0) {
                found = candidate;
                candidate = NULL;
            }
            Py_XDECREF(subclasses);
        }
        PyErr_Clear();
        Py_XDECREF(candidate);
    }
    Py_DECREF(names);
    if (found == NULL) {
        *reason = "cannot find a subclass";
    }
    return found;
}

int three_get_class(rtloader_t *rt, const char *name, rtloader_pyobject_t **py_module,
                    rtloader_pyobject_t **py_class)
{
    struct three *t = THREE(rt);
    if (name == NULL) {
        three_set_error(t, "unable to import module: the module name is NULL");
        return 0;
    }
    PyObject *module = PyImport_ImportModule(name); /* new ref */
    if (module == NULL) {
        three_set_error_py(t, "unable to import module '%s': ", name);
        return 0;
    }
    const char *reason = NULL;
    PyObject *klass = find_subclass(module, t->base_class, &reason); /* new ref */
    if (klass == NULL) {
        three_set_error(t, "unable to find a subclass of the base check in module '%s': %s", name,
                        reason);
        Py_DECREF(module);
        return 0;
    }
    if (py_module != NULL) {
        *py_module = (rtloader_pyobject_t *)module; /* the caller owns it now */
    } else {
        Py_DECREF(module);
    }
    if (py_class != NULL) {
        *py_class = (rtloader_pyobject_t *)klass;
    } else {
        Py_DECREF(klass);
    }
    return 1;
}

int three_get_attr_string(rtloader_t *rt, rtloader_pyobject_t *obj, const char *attr_name,
                          char **value)
{
    struct three *t = THREE(rt);
    if (obj == NULL || attr_name == NULL || value == NULL) {
        return 0;
    }
    PyObject *attr = PyObject_GetAttrString((PyObject *)obj, attr_name); /* new ref */
    if (attr == NULL) {
        PyErr_Clear(); /* a missing attribute is an answer, not an error */
        return 0;
    }
    int ok = 0;
    if (!PyUnicode_Check(attr)) {
        three_set_error(t, "error attribute %s has a different type than unicode", attr_name);
    } else {
        char *copy = as_string(attr);
        if (copy == NULL) {
            three_set_error(t, "error converting attribute %s to string", attr_name);
        } else {
            *value = copy;
            ok = 1;
        }
    }
    Py_DECREF(attr);
    return ok;
}

int three_get_attr_bool(rtloader_t *rt, rtloader_pyobject_t *obj, const char *attr_name,
                        bool *value)
{
    struct three *t = THREE(rt);
    if (obj == NULL || attr_name == NULL || value == NULL) {
        return 0;
    }
    PyObject *attr = PyObject_GetAttrString((PyObject *)obj, attr_name); /* new ref */
    if (attr == NULL) {
        PyErr_Clear();
        three_set_error(t, "error fetching attribute %s does not exist", attr_name);
        return 0;
    }
    int ok = 0;
    if (PyBool_Check(attr)) {
        *value = attr == Py_True;
        ok = 1;
    } else {
        three_set_error(t, "error attribute %s has a different type than bool", attr_name);
    }
    Py_DECREF(attr);
    return ok;
}

/* klass.load_config(text): new ref, or NULL with a Python error. */
static PyObject *load_config(PyObject *klass, const char *text)
{
    return PyObject_CallMethod(klass, "load_config", "s", text);
}

/* Sets obj.<attr> = str(value) when value is non-empty. */
static int set_str_attr(struct three *t, PyObject *obj, const char *attr, const char *value)
{
    if (value == NULL || value[0] == '\0') {
        return 1;
    }
    PyObject *py_value = PyUnicode_FromString(value); /* new ref */
    if (py_value == NULL) {
        PyErr_Clear();
        three_set_error(t, "error could not set %s: %s", attr, value);
        return 0;
    }
    int rc = PyObject_SetAttrString(obj, attr, py_value);
    Py_DECREF(py_value);
    if (rc != 0) {
        three_set_error_py(t, "error could not set '%s' attr: ", attr);
        return 0;
    }
    return 1;
}

static int set_kwarg(struct three *t, PyObject *kwargs, const char *key, PyObject *value)
{
    if (PyDict_SetItemString(kwargs, key, value) != 0) {
        three_set_error_py(t, "error '%s' key can't be set: ", key);
        return 0;
    }
    return 1;
}

int three_get_check(rtloader_t *rt, rtloader_pyobject_t *py_class, const char *init_config_str,
                    const char *instance_str, const char *agent_config_str,
                    const char *check_id, const char *check_name, const char *provider,
                    rtloader_pyobject_t **check)
{
    struct three *t = THREE(rt);
    PyObject *klass = (PyObject *)py_class;
    if (klass == NULL || check == NULL) {
        return 0;
    }
    int ok = 0;
    PyObject *init_config = NULL, *instance = NULL, *instances = NULL, *agent_config = NULL;
    PyObject *args = NULL, *kwargs = NULL, *name = NULL, *created = NULL;

    init_config = load_config(klass, init_config_str); /* new ref */
    if (init_config == NULL) {
        three_set_error_py(t, "error parsing init_config: ");
        goto done;
    }
    if (init_config == Py_None) {
        Py_SETREF(init_config, PyDict_New());
        if (init_config == NULL) {
            three_set_error_py(t, "error parsing init_config: ");
            goto done;
        }
    } else if (!PyDict_Check(init_config)) {
        three_set_error(t, "error 'init_config' is not a dict");
        goto done;
    }

    instance = load_config(klass, instance_str); /* new ref */
    if (instance == NULL) {
        three_set_error_py(t, "error parsing instance: ");
        goto done;
    }
    if (!PyDict_Check(instance)) {
        three_set_error(t, "error instance is not a dict");
        goto done;
    }
    instances = PyTuple_New(1); /* new ref */
    if (instances == NULL) {
        three_set_error_py(t, "could not create tuple for instances: ");
        goto done;
    }
    Py_INCREF(instance);
    if (PyTuple_SetItem(instances, 0, instance) != 0) { /* steals */
        three_set_error_py(t, "could not set instance item on instances: ");
        goto done;
    }

    args = PyTuple_New(0); /* new ref */
    if (args == NULL) {
        three_set_error_py(t, "error 'args' can't be initialized to an empty tuple: ");
        goto done;
    }
    kwargs = PyDict_New(); /* new ref */
    if (kwargs == NULL) {
        three_set_error_py(t, "error 'kwargs' can't be initialized to an empty dict: ");
        goto done;
    }
    name = PyUnicode_FromString(check_name != NULL ? check_name : ""); /* new ref */
    if (name == NULL) {
        three_set_error_py(t, "error 'name' can't be initialized: ");
        goto done;
    }
    if (!set_kwarg(t, kwargs, "name", name) || !set_kwarg(t, kwargs, "init_config", init_config)
        || !set_kwarg(t, kwargs, "instances", instances)) {
        goto done;
    }
    if (agent_config_str != NULL) {
        agent_config = load_config(klass, agent_config_str); /* new ref */
        if (agent_config == NULL) {
            three_set_error_py(t, "error parsing agent_config: ");
            goto done;
        }
        if (!PyDict_Check(agent_config)) {
            three_set_error(t, "error agent_config is not a dict");
            goto done;
        }
        if (!set_kwarg(t, kwargs, "agentConfig", agent_config)) {
            goto done;
        }
    }

    created = PyObject_Call(klass, args, kwargs); /* new ref */
    if (created == NULL) {
        /* exactly the traceback: the host greps it for SkipInstanceError's text */
        three_set_error_py(t, "%s", "");
        goto done;
    }
    /* provider is an attribute, never a keyword: constructors that do not
     * take **kwargs keep working. */
    if (!set_str_attr(t, created, "check_id", check_id)
        || !set_str_attr(t, created, "provider", provider)) {
        Py_CLEAR(created);
        goto done;
    }
    *check = (rtloader_pyobject_t *)created;
    ok = 1;

done:
    Py_XDECREF(name);
    Py_XDECREF(kwargs);
    Py_XDECREF(args);
    Py_XDECREF(agent_config);
    Py_XDECREF(instances);
    Py_XDECREF(instance);
    Py_XDECREF(init_config);
    return ok;
}

char *three_discover_config(rtloader_t *rt, rtloader_pyobject_t *py_class,
                            const char *service_json)
{
    struct three *t = THREE(rt);
    if (py_class == NULL) {
        return NULL;
    }
    char *result = NULL;
    PyObject *service = NULL, *discovered = NULL;
    PyObject *discover = PyObject_GetAttrString((PyObject *)py_class, "discover"); /* new ref */
    if (discover == NULL) {
        three_set_error_py(t, "check class has no 'discover' method: ");
        goto done;
    }
    if (service_json != NULL) {
        service = from_json(service_json); /* new ref */
        if (service == NULL) {
            three_set_error_py(t, "error parsing service: ");
            goto done;
        }
    } else {
        service = Py_NewRef(Py_None);
    }
    discovered = PyObject_CallFunctionObjArgs(discover, service, NULL); /* new ref */
    if (discovered == NULL) {
        three_set_error_py(t, "error invoking 'discover' method: ");
        goto done;
    }
    result = as_json(discovered);
    if (result == NULL) {
        three_set_error_py(t, "error serializing 'discover' result: ");
    }

done:
    Py_XDECREF(discovered);
    Py_XDECREF(service);
    Py_XDECREF(discover);
    return result;
}
