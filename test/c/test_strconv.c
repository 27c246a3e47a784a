/*
 * test_strconv.c - how serialized values from the host are parsed (JSON
 * first, YAML when the text is not JSON) and what that costs init: PyYAML
 * is imported only when a YAML text has to be parsed (issue 9, item 3).
 */
#include "rtl_test.h"

#include <stdio.h>

#include "fake_host.h"

/* Skips (with the reason printed) when this Python has no PyYAML. */
static int yaml_installed(void)
{
    rtl_assert_py("import importlib.util\n"
                  "yaml_found = importlib.util.find_spec('yaml') is not None\n");
    int found = 0;
    /* find_spec does not import the package: sys.modules stays as it was */
    rtl_assert_py("import sys\nassert 'yaml' not in sys.modules\n");
    found = run_simple_string(rtl_test_rt, "assert yaml_found\n");
    if (!found) {
        printf("SKIPPED: PyYAML is not installed for Python %s: no YAML fallback to test\n",
               rtl_test_python_version());
    }
    return found;
}

/* init imports json (the base class does too), never PyYAML or its C extension. */
static void strconv_init_does_not_import_yaml(void **state)
{
    (void)state;
    rtl_assert_py("import sys\n"
                  "loaded = [m for m in ('yaml', '_yaml', 'yaml._yaml') if m in sys.modules]\n"
                  "assert not loaded, loaded\n"
                  "assert 'json' in sys.modules\n");
}

/* JSON values are parsed without PyYAML being imported. */
static void strconv_json_value_does_not_import_yaml(void **state)
{
    (void)state;
    fake_host_set_result("get_config", "{\"a\": [1, 2], \"b\": null}");
    rtl_assert_py("import sys, datadog_agent\n"
                  "v = datadog_agent.get_config('k')\n"
                  "assert v == {'a': [1, 2], 'b': None}, v\n"
                  "assert 'yaml' not in sys.modules\n");
}

/*
 * Two threads need YAML at once, PyYAML's import being slow (a finder that
 * sleeps inside it, as a cold disk would): the second thread must wait for
 * the import and parse its text too, not see "PyYAML absent" while the
 * first thread's import is still running. Runs before any other test
 * imports PyYAML (the import happens once per init).
 */
static void strconv_yaml_first_use_from_two_threads(void **state)
{
    (void)state;
    if (!yaml_installed()) {
        return;
    }
    fake_host_set_result("get_config", "a: b\n");
    rtl_assert_py("import sys, time, threading, datadog_agent\n"
                  "assert 'yaml' not in sys.modules, 'an earlier test imported PyYAML'\n"
                  "class SlowYamlFinder:\n"
                  "    def find_spec(self, name, path=None, target=None):\n"
                  "        if name == 'yaml':\n"
                  "            time.sleep(0.3)\n"
                  "        return None\n"
                  "slow = SlowYamlFinder()\n"
                  "sys.meta_path.insert(0, slow)\n"
                  "results = [None, None]\n"
                  "def need_yaml(i):\n"
                  "    results[i] = datadog_agent.get_config('k')\n"
                  "threads = [threading.Thread(target=need_yaml, args=(i,)) for i in range(2)]\n"
                  "threads[0].start()\n"
                  "time.sleep(0.1)\n"
                  "threads[1].start()\n"
                  "for t in threads:\n"
                  "    t.join()\n"
                  "sys.meta_path.remove(slow)\n"
                  "assert results == [{'a': 'b'}, {'a': 'b'}], results\n");
}

/* A text that is not JSON imports PyYAML then, and is parsed as YAML. */
static void strconv_yaml_value_imports_yaml_when_needed(void **state)
{
    (void)state;
    if (!yaml_installed()) {
        return;
    }
    fake_host_set_result("get_config", "a: b\nlist: [1]\n");
    rtl_assert_py("import sys, datadog_agent\n"
                  "v = datadog_agent.get_config('k')\n"
                  "assert v == {'a': 'b', 'list': [1]}, v\n"
                  "assert 'yaml' in sys.modules\n");
    /* and again, from the references kept by the first import */
    fake_host_set_result("get_config", "- x\n- y\n");
    rtl_assert_py("import datadog_agent\n"
                  "v = datadog_agent.get_config('k')\n"
                  "assert v == ['x', 'y'], v\n");
}

/*
 * A Python home without PyYAML: a YAML text cannot be parsed, so the value
 * is None (as for any unparsable text), every time, without an exception
 * left behind. Skipped with a reason where PyYAML is installed.
 */
static void strconv_yaml_text_without_pyyaml_is_none(void **state)
{
    (void)state;
    rtl_assert_py("import importlib.util\n"
                  "yaml_found = importlib.util.find_spec('yaml') is not None\n");
    if (run_simple_string(rtl_test_rt, "assert yaml_found\n")) {
        printf("SKIPPED: PyYAML is installed for Python %s: the absent case is tested on the homes "
               "without it\n",
               rtl_test_python_version());
        return;
    }
    fake_host_set_result("get_config", "a: b\n");
    rtl_assert_py("import sys, datadog_agent\n"
                  "for _ in range(2):\n"
                  "    v = datadog_agent.get_config('k')\n"
                  "    assert v is None, v\n"
                  "assert 'yaml' not in sys.modules\n");
}

/* Text neither JSON nor YAML can parse: None (the JSON error is dropped by get_config). */
static void strconv_unparsable_value_is_none(void **state)
{
    (void)state;
    fake_host_set_result("get_config", "{unclosed: [");
    rtl_assert_py("import datadog_agent\n"
                  "v = datadog_agent.get_config('k')\n"
                  "assert v is None, v\n");
}

static const struct CMUnitTest tests[] = {
    RTL_TEST(strconv_init_does_not_import_yaml),
    RTL_TEST(strconv_json_value_does_not_import_yaml),
    RTL_TEST(strconv_yaml_first_use_from_two_threads),
    RTL_TEST(strconv_yaml_value_imports_yaml_when_needed),
    RTL_TEST(strconv_yaml_text_without_pyyaml_is_none),
    RTL_TEST(strconv_unparsable_value_is_none),
};

RTL_TEST_MAIN(tests, rtl_test_group_setup, rtl_test_group_teardown)
