/*
 * test_config.c - unit tests of the host's configuration loading:
 * datadog.yaml (host/config.c), conf.d check configurations, YAML scalar
 * resolution (host/yaml_load.c) and JSON serialisation (host/value.c), and
 * the check id (host/checks.c).
 *
 * Every test works in its own temporary directory (setup/teardown). No
 * Python is started: the rtloader front library is linked for checks.c's
 * references only.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks.h"
#include "config.h"
#include "datadog_agent_rtloader.h"
#include "value.h"
#include "yaml_load.h"

/* ------------------------------------------------------------------ */
/* helpers                                                             */

static char tmpdir[PATH_MAX];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof(tmpdir), "%s/hostcfg-XXXXXX", base != NULL && base[0] ? base : "/tmp");
    return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* tmpdir/<rel> (malloc'd). */
static char *path_of(const char *rel)
{
    size_t len = strlen(tmpdir) + strlen(rel) + 2;
    char *p = malloc(len);
    assert_non_null(p);
    snprintf(p, len, "%s/%s", tmpdir, rel);
    return p;
}

static void make_dirs_for(const char *path)
{
    char copy[PATH_MAX];
    snprintf(copy, sizeof(copy), "%s", path);
    for (char *slash = strchr(copy + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
            fail_msg("mkdir %s: %s", copy, strerror(errno));
        }
        *slash = '/';
    }
}

/* Writes tmpdir/<rel>; returns its path (malloc'd). */
static char *write_file(const char *rel, const char *content)
{
    char *p = path_of(rel);
    make_dirs_for(p);
    FILE *f = fopen(p, "w");
    if (f == NULL) {
        fail_msg("open %s: %s", p, strerror(errno));
    }
    fputs(content, f);
    fclose(f);
    return p;
}

/* Loads `yaml` as tmpdir/<rel>; must succeed. Returns the file's path (malloc'd). */
static char *load_ok_at(const char *rel, const char *yaml, struct host_config *cfg)
{
    char *path = write_file(rel, yaml);
    char *error = NULL;
    int rc = host_config_load(path, cfg, &error);
    if (rc != 0) {
        fail_msg("loading %s failed: %s", path, error != NULL ? error : "(no error)");
    }
    assert_null(error);
    return path;
}

static void load_ok(const char *yaml, struct host_config *cfg)
{
    free(load_ok_at("datadog.yaml", yaml, cfg));
}

/* Loads `yaml` as tmpdir/datadog.yaml; must fail. Asserts the error is
 * "<file>:<line>: ...<expected>..." and returns nothing. */
static void assert_config_error(const char *yaml, int line, const char *expected)
{
    char *path = write_file("datadog.yaml", yaml);
    struct host_config cfg;
    char *error = NULL;
    int rc = host_config_load(path, &cfg, &error);
    if (rc != -1) {
        fail_msg("loading %s succeeded, want an error at line %d containing '%s'", yaml, line,
                 expected);
    }
    assert_non_null(error);
    char prefix[PATH_MAX + 32];
    snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
    if (strncmp(error, prefix, strlen(prefix)) != 0 || strstr(error, expected) == NULL) {
        fail_msg("error '%s'\n  want it to start with '%s' and contain '%s'", error, prefix, expected);
    }
    free(error);
    host_config_free(&cfg);
    free(path);
}

/* The JSON of the value of key `v` in a one-line YAML document "v: <scalar>". */
static char *json_of_scalar(const char *scalar)
{
    char doc[512];
    snprintf(doc, sizeof(doc), "v: %s\n", scalar);
    char *error = NULL;
    struct value *root = yaml_load_string(doc, "scalar.yaml", &error);
    if (root == NULL) {
        fail_msg("'%s' does not load: %s", doc, error);
    }
    char *json = value_to_json(value_get(root, "v"));
    value_free(root);
    assert_non_null(json);
    return json;
}

static void assert_scalar(const char *scalar, const char *json)
{
    char *json_got = json_of_scalar(scalar);
    char got[256];
    snprintf(got, sizeof(got), "%s", json_got);
    free(json_got); /* before a failure jumps out */
    if (strcmp(got, json) != 0) {
        fail_msg("YAML scalar %s: JSON %s, want %s", scalar, got, json);
    }
}

static size_t count_strings(char **list)
{
    size_t n = 0;
    while (list != NULL && list[n] != NULL) {
        n++;
    }
    return n;
}

/* ------------------------------------------------------------------ */
/* datadog.yaml                                                        */

static void config_defaults_without_file(void **state)
{
    (void)state;
    struct host_config cfg;
    char *error = NULL;
    assert_int_equal(host_config_load(NULL, &cfg, &error), 0);
    assert_null(error);
    assert_null(cfg.path);
    assert_non_null(cfg.root);
    assert_int_equal(cfg.root->type, VALUE_MAP);
    assert_int_equal(cfg.root->u.children.count, 0);
    assert_non_null(cfg.hostname);
    assert_true(cfg.hostname[0] != '\0');
    assert_non_null(strstr(cfg.run_path, "rtloader-run-"));
    assert_string_equal(cfg.confd_path, "conf.d");
    assert_null(cfg.python_home);
    assert_null(cfg.cluster_name);
    assert_int_equal(cfg.log_level, DATADOG_AGENT_INFO);
    assert_false(cfg.memtrack_enabled);
    assert_false(cfg.c_stacktrace_collection);
    assert_false(cfg.c_core_dump);
    assert_int_equal(count_strings(cfg.tags), 0);
    assert_int_equal(count_strings(cfg.container_include), 0);
    assert_int_equal(count_strings(cfg.container_exclude), 0);
    assert_int_equal(cfg.check_runners, HOST_DEFAULT_CHECK_RUNNERS);
    assert_true(cfg.obfuscation_cache_enabled);
    assert_int_equal(cfg.obfuscation_cache_max_size, 5000000);
    host_config_free(&cfg);
}

static void config_valid_values(void **state)
{
    (void)state;
    struct host_config cfg;
    char *path = load_ok_at("etc/datadog.yaml",
                            "hostname: my-host\n"
                            "run_path: run/dir\n"
                            "confd_path: conf.d\n"
                            "python_home: py\n"
                            "log_level: debug\n"
                            "memtrack_enabled: true\n"
                            "c_stacktrace_collection: yes\n"
                            "c_core_dump: off\n"
                            "cluster_name: blue\n"
                            "tags:\n"
                            "  - env:prod\n"
                            "  - team:core\n"
                            "container_exclude: [\"name:^bad\", \"image:^x$\"]\n"
                            "check_runners: 7\n"
                            "extra:\n"
                            "  nested: 1\n",
                            &cfg);
    assert_string_equal(cfg.path, path);
    assert_string_equal(cfg.hostname, "my-host");
    char *want = path_of("etc/run/dir");
    assert_string_equal(cfg.run_path, want); /* relative to the file's directory */
    free(want);
    want = path_of("etc/conf.d");
    assert_string_equal(cfg.confd_path, want);
    free(want);
    want = path_of("etc/py");
    assert_string_equal(cfg.python_home, want);
    free(want);
    assert_int_equal(cfg.log_level, DATADOG_AGENT_DEBUG);
    assert_true(cfg.memtrack_enabled);
    assert_true(cfg.c_stacktrace_collection);
    assert_false(cfg.c_core_dump);
    assert_string_equal(cfg.cluster_name, "blue");
    assert_int_equal(count_strings(cfg.tags), 2);
    assert_string_equal(cfg.tags[0], "env:prod");
    assert_string_equal(cfg.tags[1], "team:core");
    assert_int_equal(count_strings(cfg.container_exclude), 2);
    assert_string_equal(cfg.container_exclude[1], "image:^x$");
    assert_int_equal(count_strings(cfg.container_include), 0);
    assert_int_equal(cfg.check_runners, 7);
    /* the whole tree stays available (get_config reads it) */
    const struct value *nested = value_get_path(cfg.root, "extra.nested");
    assert_non_null(nested);
    assert_int_equal(nested->type, VALUE_INT);
    assert_int_equal(nested->u.integer, 1);
    host_config_free(&cfg);
    free(path);
}

static void config_absolute_paths_kept(void **state)
{
    (void)state;
    struct host_config cfg;
    load_ok("run_path: /var/run/x\nconfd_path: /etc/dd/conf.d\n", &cfg);
    assert_string_equal(cfg.run_path, "/var/run/x");
    assert_string_equal(cfg.confd_path, "/etc/dd/conf.d");
    host_config_free(&cfg);
}

static void config_empty_file_gives_defaults(void **state)
{
    (void)state;
    struct host_config cfg;
    load_ok("# only a comment\n", &cfg);
    assert_int_equal(cfg.root->type, VALUE_MAP);
    assert_int_equal(cfg.log_level, DATADOG_AGENT_INFO);
    assert_int_equal(cfg.check_runners, HOST_DEFAULT_CHECK_RUNNERS);
    host_config_free(&cfg);
    /* an explicit null value keeps the default too */
    load_ok("hostname:\nlog_level: ~\nmemtrack_enabled: null\ntags:\n", &cfg);
    assert_true(cfg.hostname[0] != '\0');
    assert_int_equal(cfg.log_level, DATADOG_AGENT_INFO);
    assert_false(cfg.memtrack_enabled);
    assert_int_equal(count_strings(cfg.tags), 0);
    host_config_free(&cfg);
}

static void config_log_level_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int level;
    } cases[] = {
        {"trace", DATADOG_AGENT_TRACE},       {"debug", DATADOG_AGENT_DEBUG},
        {"info", DATADOG_AGENT_INFO},         {"warn", DATADOG_AGENT_WARNING},
        {"warning", DATADOG_AGENT_WARNING},   {"error", DATADOG_AGENT_ERROR},
        {"critical", DATADOG_AGENT_CRITICAL}, {"off", 100},
        {"ERROR", DATADOG_AGENT_ERROR},       {"Info", DATADOG_AGENT_INFO},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(host_log_level_from_name(cases[i].name), cases[i].level);
        char yaml[64];
        /* quoted: "off" unquoted is the boolean false in YAML 1.1 */
        snprintf(yaml, sizeof(yaml), "log_level: \"%s\"\n", cases[i].name);
        struct host_config cfg;
        load_ok(yaml, &cfg);
        assert_int_equal(cfg.log_level, cases[i].level);
        host_config_free(&cfg);
    }
    assert_int_equal(host_log_level_from_name("verbose"), -1);
    assert_int_equal(host_log_level_from_name(""), -1);
    assert_config_error("hostname: h\nlog_level: verbose\n", 2, "unknown log_level 'verbose'");
    /* unquoted off is a boolean, not a level name */
    assert_config_error("log_level: off\n", 1, "'log_level' must be a string, not boolean");
}

static void config_booleans(void **state)
{
    (void)state;
    const char *truthy[] = {"true", "True", "TRUE", "yes", "Yes", "on", "ON"};
    const char *falsy[] = {"false", "False", "no", "NO", "off", "Off"};
    char yaml[64];
    struct host_config cfg;
    for (size_t i = 0; i < sizeof(truthy) / sizeof(truthy[0]); i++) {
        snprintf(yaml, sizeof(yaml), "memtrack_enabled: %s\nc_core_dump: %s\n", truthy[i], truthy[i]);
        load_ok(yaml, &cfg);
        assert_true(cfg.memtrack_enabled);
        assert_true(cfg.c_core_dump);
        host_config_free(&cfg);
    }
    for (size_t i = 0; i < sizeof(falsy) / sizeof(falsy[0]); i++) {
        snprintf(yaml, sizeof(yaml), "memtrack_enabled: %s\n", falsy[i]);
        load_ok(yaml, &cfg);
        assert_false(cfg.memtrack_enabled);
        host_config_free(&cfg);
    }
}

static void config_tags_list_or_lone_string(void **state)
{
    (void)state;
    struct host_config cfg;
    load_ok("tags: env:prod\n", &cfg);
    assert_int_equal(count_strings(cfg.tags), 1);
    assert_string_equal(cfg.tags[0], "env:prod");
    host_config_free(&cfg);

    load_ok("tags: [a, \"b:c\"]\ncontainer_include: \"name:^ok$\"\n", &cfg);
    assert_int_equal(count_strings(cfg.tags), 2);
    assert_string_equal(cfg.tags[0], "a");
    assert_string_equal(cfg.tags[1], "b:c");
    assert_int_equal(count_strings(cfg.container_include), 1);
    assert_string_equal(cfg.container_include[0], "name:^ok$");
    host_config_free(&cfg);

    load_ok("tags: []\n", &cfg);
    assert_int_equal(count_strings(cfg.tags), 0);
    host_config_free(&cfg);

    assert_config_error("tags:\n  - a\n  - 12\n", 3, "'tags' must be a list of strings: item 2 is integer");
    assert_config_error("hostname: h\ntags: {a: b}\n", 2, "'tags' must be a list of strings, not map");
    assert_config_error("container_exclude: [[a]]\n", 1, "'container_exclude' must be a list of strings");
}

static void config_check_runners_bounds(void **state)
{
    (void)state;
    struct host_config cfg;
    load_ok("check_runners: 1\n", &cfg);
    assert_int_equal(cfg.check_runners, 1);
    host_config_free(&cfg);
    load_ok("check_runners: 64\n", &cfg);
    assert_int_equal(cfg.check_runners, 64);
    host_config_free(&cfg);
    const char *bad[] = {"0", "65", "-1", "2.5", "\"4\"", "many", "[4]"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char yaml[64];
        snprintf(yaml, sizeof(yaml), "hostname: h\ncheck_runners: %s\n", bad[i]);
        assert_config_error(yaml, 2, "'check_runners' must be an integer from 1 to 64");
    }
}

static void config_invalid_yaml_names_line(void **state)
{
    (void)state;
    /* a key indented less than its siblings */
    assert_config_error("hostname: a\ntags:\n  - a\n bad: indentation\n", 4, "did not find expected key");
    /* a flow sequence left open */
    assert_config_error("hostname: a\nlog_level: info\nfoo: [1, 2\nbar: 3\n", 4, "flow sequence");
    /* a mapping value in a plain scalar */
    assert_config_error("hostname: a\n\n\nrun_path: a: b\n", 4, "mapping values are not allowed");
    /* a tab in the indentation */
    assert_config_error("x: 1\n\tfoo: 2\n", 2, "tab");
    /* an unterminated quoted scalar: reported where the stream ends */
    assert_config_error("hostname: \"a\n", 2, "quoted scalar");
    /* an undefined alias */
    assert_config_error("a: 1\nb: *nope\n", 2, "");
}

static void config_wrong_types_name_key_and_line(void **state)
{
    (void)state;
    assert_config_error("hostname: h\n\nmemtrack_enabled: \"yes please\"\n", 3,
                        "'memtrack_enabled' must be a boolean, not string");
    assert_config_error("memtrack_enabled: 1\n", 1, "'memtrack_enabled' must be a boolean, not integer");
    assert_config_error("c_core_dump: [true]\n", 1, "'c_core_dump' must be a boolean, not list");
    assert_config_error("# comment\nhostname:\n  - a\n", 3, "'hostname' must be a string, not list");
    assert_config_error("run_path: {a: 1}\n", 1, "'run_path' must be a string, not map");
    assert_config_error("confd_path: 12\n", 1, "'confd_path' must be a string, not integer");
    assert_config_error("log_level: 3\n", 1, "'log_level' must be a string, not integer");
    assert_config_error("python_home: true\n", 1, "'python_home' must be a string, not boolean");
    assert_config_error("cluster_name: 1.5\n", 1, "'cluster_name' must be a string, not number");
}

/* apm_config.obfuscation.cache: the Agent's names and defaults (on, 5,000,000 bytes); a
 * partial section keeps the other default; wrong values fail with file and line. */
static void config_obfuscation_cache(void **state)
{
    (void)state;
    struct host_config cfg;
    load_ok("apm_config:\n  obfuscation:\n    cache:\n      enabled: false\n      max_size: 1234\n", &cfg);
    assert_false(cfg.obfuscation_cache_enabled);
    assert_int_equal(cfg.obfuscation_cache_max_size, 1234);
    host_config_free(&cfg);
    load_ok("apm_config:\n  obfuscation:\n    cache:\n      max_size: 0\n", &cfg);
    assert_true(cfg.obfuscation_cache_enabled);
    assert_int_equal(cfg.obfuscation_cache_max_size, 0);
    host_config_free(&cfg);
    load_ok("apm_config:\n  enabled: true\n  obfuscation:\n    cache:\n      enabled: null\n", &cfg);
    assert_true(cfg.obfuscation_cache_enabled);
    assert_int_equal(cfg.obfuscation_cache_max_size, 5000000);
    host_config_free(&cfg);
    /* the dotted key form the Agent also reads */
    load_ok("apm_config.obfuscation.cache.max_size: 4096\n", &cfg);
    assert_int_equal(cfg.obfuscation_cache_max_size, 4096);
    host_config_free(&cfg);

    const char *head = "hostname: h\napm_config:\n  obfuscation:\n    cache:\n";
    static const struct {
        const char *line, *error;
    } bad[] = {
        {"      enabled: \"yes\"\n", "'apm_config.obfuscation.cache.enabled' must be a boolean, not string"},
        {"      enabled: 1\n", "'apm_config.obfuscation.cache.enabled' must be a boolean, not integer"},
        {"      max_size: -1\n", "'apm_config.obfuscation.cache.max_size' must be a number of bytes from 0 to"},
        {"      max_size: 5MB\n", "'apm_config.obfuscation.cache.max_size' must be a number of bytes"},
        {"      max_size: 1.5\n", "'apm_config.obfuscation.cache.max_size' must be a number of bytes"},
        {"      max_size: 2000000000000\n", "'apm_config.obfuscation.cache.max_size' must be a number of bytes"},
        {"      max_size: [1]\n", "'apm_config.obfuscation.cache.max_size' must be a number of bytes"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char yaml[256];
        snprintf(yaml, sizeof(yaml), "%s%s", head, bad[i].line);
        assert_config_error(yaml, 5, bad[i].error);
    }
}

static void config_top_level_not_a_map(void **state)
{
    (void)state;
    assert_config_error("- a\n- b\n", 1, "expected a map of settings, found a list");
    assert_config_error("\n\njust some text\n", 3, "expected a map of settings, found a string");
    assert_config_error("42\n", 1, "expected a map of settings, found a integer");
}

static void config_missing_file(void **state)
{
    (void)state;
    char *path = path_of("does-not-exist.yaml");
    struct host_config cfg;
    char *error = NULL;
    assert_int_equal(host_config_load(path, &cfg, &error), -1);
    assert_non_null(error);
    assert_non_null(strstr(error, path));
    assert_non_null(strstr(error, "cannot open"));
    free(error);
    host_config_free(&cfg);
    free(path);
}

/* ------------------------------------------------------------------ */
/* conf.d                                                              */

/* Loads check `name` from tmpdir/conf.d; must fail with "<file>:<line>: ...<expected>...". */
static void assert_check_config_error(const char *name, const char *file_rel, int line,
                                      const char *expected)
{
    char *confd = path_of("conf.d");
    char *file = path_of(file_rel);
    struct check_config cc;
    char *error = NULL;
    int rc = host_check_config_load(confd, name, false, &cc, &error);
    if (rc != -1 || error == NULL) {
        fail_msg("loading check %s: rc %d, want -1 with an error at %s:%d containing '%s'", name, rc,
                 file_rel, line, expected);
    }
    char prefix[PATH_MAX + 32];
    snprintf(prefix, sizeof(prefix), "%s:%d: ", file, line);
    if (strncmp(error, prefix, strlen(prefix)) != 0 || strstr(error, expected) == NULL) {
        fail_msg("error '%s'\n  want it to start with '%s' and contain '%s'", error, prefix, expected);
    }
    free(error);
    host_check_config_free(&cc);
    free(confd);
    free(file);
}

static void load_check_ok(const char *name, struct check_config *cc)
{
    char *confd = path_of("conf.d");
    char *error = NULL;
    int rc = host_check_config_load(confd, name, false, cc, &error);
    if (rc != 0) {
        fail_msg("loading check %s: rc %d: %s", name, rc, error != NULL ? error : "(no error)");
    }
    assert_null(error);
    free(confd);
}

static void confd_instances_and_defaults(void **state)
{
    (void)state;
    char *file = write_file("conf.d/http.d/conf.yaml",
                            "init_config:\n"
                            "  timeout: 5\n"
                            "\n"
                            "instances:\n"
                            "  - url: http://a\n"
                            "    tags: [x]\n"
                            "  - url: http://b\n"
                            "    min_collection_interval: 30\n"
                            "  - {url: http://c, min_collection_interval: 2.5}\n");
    struct check_config cc;
    load_check_ok("http", &cc);
    assert_string_equal(cc.name, "http");
    assert_int_equal(cc.count, 3);
    for (size_t i = 0; i < cc.count; i++) {
        assert_string_equal(cc.instances[i].init_config_json, "{\"timeout\": 5}");
    }
    assert_string_equal(cc.instances[0].json, "{\"url\": \"http://a\", \"tags\": [\"x\"]}");
    assert_true(cc.instances[0].interval == HOST_DEFAULT_MIN_COLLECTION_INTERVAL);
    assert_true(cc.instances[0].interval == 15.0);
    assert_true(cc.instances[1].interval == 30.0);
    assert_true(cc.instances[2].interval == 2.5);
    char source[PATH_MAX + 16];
    snprintf(source, sizeof(source), "%s:5", file);
    assert_string_equal(cc.instances[0].source, source);
    snprintf(source, sizeof(source), "%s:7", file);
    assert_string_equal(cc.instances[1].source, source);
    snprintf(source, sizeof(source), "%s:9", file);
    assert_string_equal(cc.instances[2].source, source);
    host_check_config_free(&cc);
    free(file);
}

static void confd_init_config_absent_or_null(void **state)
{
    (void)state;
    free(write_file("conf.d/a.yaml", "instances:\n  - {}\n"));
    free(write_file("conf.d/b.yaml", "init_config:\ninstances:\n  - {}\n"));
    struct check_config cc;
    load_check_ok("a", &cc);
    assert_int_equal(cc.count, 1);
    assert_string_equal(cc.instances[0].init_config_json, "{}");
    assert_string_equal(cc.instances[0].json, "{}");
    host_check_config_free(&cc);
    load_check_ok("b", &cc);
    assert_string_equal(cc.instances[0].init_config_json, "{}");
    host_check_config_free(&cc);
}

static void confd_no_configuration(void **state)
{
    (void)state;
    char *confd = path_of("conf.d");
    mkdir(confd, 0755);
    struct check_config cc;
    char *error = NULL;
    assert_int_equal(host_check_config_load(confd, "absent", false, &cc, &error), 1);
    assert_null(error);
    assert_int_equal(cc.count, 0);
    host_check_config_free(&cc);
    /* an empty <name>.d directory is no configuration either */
    char *dir = path_of("conf.d/empty.d");
    mkdir(dir, 0755);
    assert_int_equal(host_check_config_load(confd, "empty", false, &cc, &error), 1);
    host_check_config_free(&cc);
    free(dir);
    free(confd);
}

/* keep-going (rtloader run): every kind of bad file is skipped whole with its
 * file and line; the good files of the same check still load. */
static void confd_keep_going_skips_bad_files(void **state)
{
    (void)state;
    static const struct {
        const char *rel, *content;
        int line;
        const char *expected;
    } bad[] = {
        {"conf.d/k.d/1-yaml.yaml", "instances:\n  - {a: 1\n  - {}\n", 0, ""},
        {"conf.d/k.d/2-list.yaml", "- a\n- b\n", 1, "expected a map"},
        {"conf.d/k.d/3-noinst.yaml", "init_config: {}\n", 1, "missing key 'instances'"},
        {"conf.d/k.d/4-instmap.yaml", "instances: {a: 1}\n", 1, "'instances' must be a list"},
        {"conf.d/k.d/5-second.yaml", "instances:\n  - {kept: no}\n  - 3\n", 3, "instance 2 must be a map"},
        {"conf.d/k.d/6-mci.yaml", "instances:\n  - {ok: 1}\n  - min_collection_interval: soon\n", 3,
         "'min_collection_interval' must be a positive number"},
        {"conf.d/k.d/7-init.yaml", "init_config: [1]\ninstances:\n  - {}\n", 1, "'init_config' must be a map"},
    };
    size_t nbad = sizeof(bad) / sizeof(bad[0]);
    for (size_t i = 0; i < nbad; i++) {
        free(write_file(bad[i].rel, bad[i].content));
    }
    free(write_file("conf.d/k.d/0-good.yaml", "instances:\n  - {good: 1}\n  - {good: 2}\n"));
    free(write_file("conf.d/k.yaml", "instances:\n  - {good: 3}\n"));
    char *confd = path_of("conf.d");
    struct check_config cc;
    char *error = NULL;
    assert_int_equal(host_check_config_load(confd, "k", true, &cc, &error), 0);
    assert_null(error);
    assert_int_equal(cc.count, 3);
    assert_string_equal(cc.instances[0].json, "{\"good\": 1}");
    assert_string_equal(cc.instances[1].json, "{\"good\": 2}");
    assert_string_equal(cc.instances[2].json, "{\"good\": 3}");
    assert_int_equal(cc.file_error_count, nbad);
    for (size_t i = 0; i < nbad; i++) {
        char *file = path_of(bad[i].rel);
        char prefix[PATH_MAX + 32];
        if (bad[i].line > 0) {
            snprintf(prefix, sizeof(prefix), "%s:%d: ", file, bad[i].line);
        } else {
            snprintf(prefix, sizeof(prefix), "%s:", file);
        }
        if (strncmp(cc.file_errors[i], prefix, strlen(prefix)) != 0
            || strstr(cc.file_errors[i], bad[i].expected) == NULL) {
            fail_msg("file error %zu '%s': want '%s...%s'", i, cc.file_errors[i], prefix,
                     bad[i].expected);
        }
        free(file);
    }
    assert_null(cc.file_errors[nbad]);
    host_check_config_free(&cc);

    /* without keep-going the first bad file fails the load, as `check` needs */
    assert_int_equal(host_check_config_load(confd, "k", false, &cc, &error), -1);
    assert_non_null(error);
    assert_non_null(strstr(error, "1-yaml.yaml:"));
    free(error);
    host_check_config_free(&cc);
    free(confd);
}

/* An unreadable file or <name>.d directory is an error naming it, not "no configuration". */
static void confd_keep_going_unreadable(void **state)
{
    (void)state;
    /* a directory where a file is expected: unreadable for root too */
    char *confd0 = path_of("conf.d");
    char *isdir = path_of("conf.d/w.d/conf.yaml");
    free(write_file("conf.d/w.d/conf.yaml/x", ""));
    free(write_file("conf.d/w.d/good.yaml", "instances:\n  - {}\n"));
    struct check_config cw;
    char *werror = NULL;
    assert_int_equal(host_check_config_load(confd0, "w", true, &cw, &werror), 0);
    assert_int_equal(cw.count, 1);
    assert_int_equal(cw.file_error_count, 1);
    assert_non_null(strstr(cw.file_errors[0], isdir));
    host_check_config_free(&cw);
    free(isdir);
    free(confd0);

    char *file = write_file("conf.d/u.d/conf.yaml", "instances:\n  - {}\n");
    char *dir = path_of("conf.d/u.d");
    char *single = write_file("conf.d/v.yaml", "instances:\n  - {}\n");
    chmod(single, 0);
    chmod(dir, 0);
    if (access(single, R_OK) == 0) {
        chmod(dir, 0755);
        printf("# skipped: running as a user who reads mode-0 files (root): no unreadable file to test\n");
        free(file);
        free(dir);
        free(single);
        return;
    }
    char *confd = path_of("conf.d");
    struct check_config cc;
    char *error = NULL;
    assert_int_equal(host_check_config_load(confd, "u", true, &cc, &error), 0);
    assert_int_equal(cc.count, 0);
    assert_int_equal(cc.file_error_count, 1);
    assert_non_null(strstr(cc.file_errors[0], dir));
    host_check_config_free(&cc);
    assert_int_equal(host_check_config_load(confd, "u", false, &cc, &error), -1);
    assert_non_null(strstr(error, dir));
    free(error);
    host_check_config_free(&cc);
    assert_int_equal(host_check_config_load(confd, "v", true, &cc, &error), 0);
    assert_int_equal(cc.file_error_count, 1);
    assert_non_null(strstr(cc.file_errors[0], single));
    host_check_config_free(&cc);
    chmod(dir, 0755);
    free(confd);
    free(file);
    free(dir);
    free(single);
}

static void confd_instances_missing(void **state)
{
    (void)state;
    free(write_file("conf.d/x.yaml", "init_config: {}\n"));
    assert_check_config_error("x", "conf.d/x.yaml", 1, "missing key 'instances'");
}

static void confd_instances_not_a_list(void **state)
{
    (void)state;
    free(write_file("conf.d/x.yaml", "init_config: {}\ninstances:\n  host: a\n"));
    assert_check_config_error("x", "conf.d/x.yaml", 3, "'instances' must be a list, not map");
    free(write_file("conf.d/y.yaml", "instances: just one\n"));
    assert_check_config_error("y", "conf.d/y.yaml", 1, "'instances' must be a list, not string");
}

static void confd_instance_not_a_map(void **state)
{
    (void)state;
    free(write_file("conf.d/x.d/conf.yaml", "instances:\n  - {a: 1}\n  - [1, 2]\n"));
    assert_check_config_error("x", "conf.d/x.d/conf.yaml", 3, "instance 2 must be a map, not list");
    free(write_file("conf.d/y.yaml", "instances:\n  -\n"));
    assert_check_config_error("y", "conf.d/y.yaml", 2, "instance 1 must be a map, not null");
}

static void confd_min_collection_interval_invalid(void **state)
{
    (void)state;
    const char *bad[] = {"-1", "0", "soon", "true", "[1]", "\"15\"", ".inf", ".nan", "-.inf"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char yaml[128];
        snprintf(yaml, sizeof(yaml), "instances:\n  - host: a\n  - host: b\n    min_collection_interval: %s\n",
                 bad[i]);
        free(write_file("conf.d/x.yaml", yaml));
        assert_check_config_error("x", "conf.d/x.yaml", 4,
                                  "'min_collection_interval' must be a positive number of seconds");
    }
}

static void confd_init_config_not_a_map(void **state)
{
    (void)state;
    free(write_file("conf.d/x.yaml", "# c\ninit_config: [1, 2]\ninstances:\n  - {}\n"));
    assert_check_config_error("x", "conf.d/x.yaml", 2, "'init_config' must be a map, not list");
    free(write_file("conf.d/y.yaml", "init_config: text\ninstances:\n  - {}\n"));
    assert_check_config_error("y", "conf.d/y.yaml", 1, "'init_config' must be a map, not string");
}

static void confd_file_not_a_map(void **state)
{
    (void)state;
    free(write_file("conf.d/x.yaml", "- instances\n"));
    assert_check_config_error("x", "conf.d/x.yaml", 1, "expected a map with 'init_config' and 'instances'");
    free(write_file("conf.d/y.yaml", ""));
    assert_check_config_error("y", "conf.d/y.yaml", 1, "found null");
}

static void confd_invalid_yaml_names_file_and_line(void **state)
{
    (void)state;
    free(write_file("conf.d/x.d/conf.yaml", "init_config:\ninstances:\n  - a: 1\n   b: 2\n"));
    assert_check_config_error("x", "conf.d/x.d/conf.yaml", 4, "");
}

static void confd_several_files_merged_in_sorted_order(void **state)
{
    (void)state;
    char *c = write_file("conf.d/multi.d/c.yaml", "instances:\n  - {n: c}\n");
    char *a = write_file("conf.d/multi.d/a.yaml", "init_config: {from: a}\ninstances:\n  - {n: a1}\n  - {n: a2}\n");
    char *b = write_file("conf.d/multi.d/b.yaml", "init_config: {from: b}\ninstances:\n  - {n: b}\n");
    free(write_file("conf.d/multi.d/.hidden.yaml", "instances:\n  - {n: hidden}\n"));
    free(write_file("conf.d/multi.d/notes.txt", "instances:\n  - {n: txt}\n"));
    free(write_file("conf.d/multi.d/conf.yaml.example", "instances:\n  - {n: example}\n"));
    char *top = write_file("conf.d/multi.yaml", "instances:\n  - {n: top}\n");
    struct check_config cc;
    load_check_ok("multi", &cc);
    assert_int_equal(cc.count, 5);
    const char *want_json[] = {"{\"n\": \"a1\"}", "{\"n\": \"a2\"}", "{\"n\": \"b\"}", "{\"n\": \"c\"}",
                               "{\"n\": \"top\"}"};
    const char *want_file[] = {a, a, b, c, top};
    const int want_line[] = {3, 4, 3, 2, 2};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(cc.instances[i].json, want_json[i]);
        char source[PATH_MAX + 16];
        snprintf(source, sizeof(source), "%s:%d", want_file[i], want_line[i]);
        assert_string_equal(cc.instances[i].source, source);
    }
    /* each file is a configuration of its own: its instances get its init_config */
    const char *want_init[] = {"{\"from\": \"a\"}", "{\"from\": \"a\"}", "{\"from\": \"b\"}", "{}",
                               "{}"};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(cc.instances[i].init_config_json, want_init[i]);
    }
    host_check_config_free(&cc);
    free(a);
    free(b);
    free(c);
    free(top);
}

static void confd_error_in_second_file(void **state)
{
    (void)state;
    free(write_file("conf.d/m.d/a.yaml", "instances:\n  - {}\n"));
    free(write_file("conf.d/m.d/b.yaml", "instances:\n  - {}\n  - 3\n"));
    assert_check_config_error("m", "conf.d/m.d/b.yaml", 3, "instance 2 must be a map");
}

static void confd_check_names(void **state)
{
    (void)state;
    free(write_file("conf.d/zeta.yaml", "instances: []\n"));
    free(write_file("conf.d/alpha.d/conf.yaml", "instances: []\n"));
    free(write_file("conf.d/alpha.yaml", "instances: []\n"));
    free(write_file("conf.d/mid.d/conf.yaml", "instances: []\n"));
    free(write_file("conf.d/.hidden.yaml", "instances: []\n"));
    free(write_file("conf.d/readme.txt", "text\n"));
    free(write_file("conf.d/beta.yaml.example", "instances: []\n"));
    char *confd = path_of("conf.d");
    char *error = NULL;
    char **names = host_confd_check_names(confd, &error);
    assert_non_null(names);
    assert_null(error);
    assert_int_equal(count_strings(names), 3);
    assert_string_equal(names[0], "alpha");
    assert_string_equal(names[1], "mid");
    assert_string_equal(names[2], "zeta");
    host_free_strings(names);

    char *missing = path_of("nope");
    names = host_confd_check_names(missing, &error);
    assert_null(names);
    assert_non_null(error);
    assert_non_null(strstr(error, missing));
    free(error);
    free(missing);

    char *empty = path_of("empty-confd");
    mkdir(empty, 0755);
    names = host_confd_check_names(empty, &error);
    assert_non_null(names);
    assert_int_equal(count_strings(names), 0);
    host_free_strings(names);
    free(empty);
    free(confd);
}

/* ------------------------------------------------------------------ */
/* YAML scalars (as PyYAML's safe loader, YAML 1.1) and their JSON      */

static void yaml_nulls(void **state)
{
    (void)state;
    assert_scalar("", "null");
    assert_scalar("~", "null");
    assert_scalar("null", "null");
    assert_scalar("Null", "null");
    assert_scalar("NULL", "null");
    assert_scalar("nUll", "\"nUll\"");
    assert_scalar("\"null\"", "\"null\"");
    assert_scalar("''", "\"\"");
}

static void yaml_booleans(void **state)
{
    (void)state;
    const char *truthy[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
    const char *falsy[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
    for (size_t i = 0; i < sizeof(truthy) / sizeof(truthy[0]); i++) {
        assert_scalar(truthy[i], "true");
        assert_scalar(falsy[i], "false");
    }
    /* not booleans */
    assert_scalar("y", "\"y\"");
    assert_scalar("n", "\"n\"");
    assert_scalar("yEs", "\"yEs\"");
    assert_scalar("\"yes\"", "\"yes\"");
    assert_scalar("'off'", "\"off\"");
}

static void yaml_integers(void **state)
{
    (void)state;
    assert_scalar("0", "0");
    assert_scalar("42", "42");
    assert_scalar("-7", "-7");
    assert_scalar("+12", "12");
    assert_scalar("1_000", "1000");
    assert_scalar("0x1F", "31");
    assert_scalar("0xff", "255");
    assert_scalar("-0x1F", "-31");
    assert_scalar("0o17", "15");
    assert_scalar("9223372036854775807", "9223372036854775807");
    assert_scalar("-9223372036854775808", "-9223372036854775808");
    /* not integers */
    assert_scalar("0x", "\"0x\"");
    assert_scalar("0o8", "\"0o8\"");
    assert_scalar("12abc", "\"12abc\"");
    assert_scalar("\"42\"", "\"42\"");
    assert_scalar("'0x1F'", "\"0x1F\"");
}

/* YAML 1.1 octal integers (a leading 0), as PyYAML and the Agent's Go YAML read them. */
static void yaml_integers_octal_as_pyyaml(void **state)
{
    (void)state;
    assert_scalar("017", "15");
    assert_scalar("-010", "-8");
}

/* YAML 1.1 binary integers, as PyYAML and the Agent's Go YAML read them. */
static void yaml_integers_binary_as_pyyaml(void **state)
{
    (void)state;
    assert_scalar("0b1010", "10");
}

static void yaml_floats(void **state)
{
    (void)state;
    assert_scalar("3.5", "3.5");
    assert_scalar("-0.25", "-0.25");
    assert_scalar("1.0", "1.0"); /* a float stays a float in JSON */
    assert_scalar("1.", "1.0");
    assert_scalar(".5", "0.5");
    assert_scalar("3.10", "3.1"); /* a float, as in PyYAML: the classic "python: 3.10" trap */
    assert_scalar("1.5e+3", "1500.0");
    assert_scalar("0.1", "0.1");
    assert_scalar(".inf", "Infinity");
    assert_scalar(".Inf", "Infinity");
    assert_scalar("+.inf", "Infinity");
    assert_scalar("-.inf", "-Infinity");
    assert_scalar(".nan", "NaN");
    assert_scalar(".NaN", "NaN");
    /* not floats */
    assert_scalar("1e3", "\"1e3\""); /* YAML 1.1 floats need a dot */
    assert_scalar("1.2.3", "\"1.2.3\"");
    assert_scalar(".", "\".\"");
    assert_scalar("\"3.10\"", "\"3.10\"");
    assert_scalar("'1.5'", "\"1.5\"");
}

static void yaml_strings_and_escapes(void **state)
{
    (void)state;
    assert_scalar("hello world", "\"hello world\"");
    assert_scalar("\"a\\\"b\\\\c\\nd\\te\"", "\"a\\\"b\\\\c\\nd\\te\"");
    assert_scalar("\"\\x01\\x1f\"", "\"\\u0001\\u001f\"");
    assert_scalar("\"caf\\u00e9\"", "\"caf\xc3\xa9\"");
    assert_scalar("|\n  line1\n  line2\n", "\"line1\\nline2\\n\"");
}

/* An explicit !!str tag makes a string of what would resolve otherwise. */
static void yaml_explicit_str_tag(void **state)
{
    (void)state;
    assert_scalar("!!str 12", "\"12\"");
    assert_scalar("!!str yes", "\"yes\"");
}

static void yaml_collections_to_json(void **state)
{
    (void)state;
    char *error = NULL;
    struct value *root = yaml_load_string("a: [1, \"two\", 3.5, true, null]\n"
                                          "b:\n  c: {d: e}\n"
                                          "\"key with \\\"quotes\\\"\": 1\n"
                                          "empty_list: []\nempty_map: {}\n",
                                          "doc.yaml", &error);
    assert_non_null(root);
    char *json = value_to_json(root);
    assert_string_equal(json, "{\"a\": [1, \"two\", 3.5, true, null], \"b\": {\"c\": {\"d\": \"e\"}}, "
                              "\"key with \\\"quotes\\\"\": 1, \"empty_list\": [], \"empty_map\": {}}");
    free(json);
    /* line numbers of nodes */
    assert_int_equal(root->line, 1);
    assert_int_equal(value_get(root, "b")->line, 3);
    assert_int_equal(value_get_path(root, "b.c.d")->line, 3);
    value_free(root);
    /* a NULL value serialises as null */
    json = value_to_json(NULL);
    assert_string_equal(json, "null");
    free(json);
}

static void yaml_aliases_expand(void **state)
{
    (void)state;
    char *error = NULL;
    struct value *root = yaml_load_string("base: &b {x: 1}\ncopy: *b\nlist: [*b, *b]\n", "a.yaml", &error);
    assert_non_null(root);
    char *json = value_to_json(root);
    assert_string_equal(json, "{\"base\": {\"x\": 1}, \"copy\": {\"x\": 1}, \"list\": [{\"x\": 1}, {\"x\": 1}]}");
    free(json);
    value_free(root);
}

static void yaml_value_get_and_paths(void **state)
{
    (void)state;
    char *error = NULL;
    struct value *root = yaml_load_string("a:\n  b:\n    c: deep\n\"a.b\": direct\nk: 1\nk: 2\n", "p.yaml",
                                          &error);
    assert_non_null(root);
    const struct value *v = value_get_path(root, "a.b.c");
    assert_non_null(v);
    assert_string_equal(v->u.string, "deep");
    v = value_get_path(root, "a.b"); /* a key that holds a dot wins over the path */
    assert_int_equal(v->type, VALUE_STRING);
    assert_string_equal(v->u.string, "direct");
    assert_null(value_get_path(root, "a.x.c"));
    assert_null(value_get_path(root, "a.b.c.d"));
    assert_null(value_get(root, "missing"));
    assert_null(value_get(NULL, "k"));
    v = value_get(root, "k"); /* a repeated key: the last one wins */
    assert_int_equal(v->u.integer, 2);
    value_free(root);
}

static void yaml_empty_document(void **state)
{
    (void)state;
    char *error = NULL;
    struct value *root = yaml_load_string("", "e.yaml", &error);
    assert_non_null(root);
    assert_null(error);
    assert_int_equal(root->type, VALUE_NULL);
    value_free(root);
}

/* "Billion laughs": 10^9 nodes once aliases are expanded. Must fail fast, bounded in memory. */
static void yaml_billion_laughs_bounded(void **state)
{
    (void)state;
    char doc[4096];
    size_t n = 0;
    n += (size_t)snprintf(doc + n, sizeof(doc) - n, "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; i <= 9; i++) {
        n += (size_t)snprintf(doc + n, sizeof(doc) - n, "a%d: &a%d [", i, i);
        for (int j = 0; j < 10; j++) {
            n += (size_t)snprintf(doc + n, sizeof(doc) - n, "%s*a%d", j > 0 ? ", " : "", i - 1);
        }
        n += (size_t)snprintf(doc + n, sizeof(doc) - n, "]\n");
    }
    char *path = write_file("datadog.yaml", doc);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct host_config cfg;
    char *error = NULL;
    assert_int_equal(host_config_load(path, &cfg, &error), -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_non_null(error);
    assert_non_null(strstr(error, path));
    assert_non_null(strstr(error, "document too large"));
    free(error);
    host_config_free(&cfg);

    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (seconds > 20) {
        fail_msg("rejecting the document took %.1f s", seconds);
    }
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    if (usage.ru_maxrss > 1024L * 1024L) { /* KiB: 1 GiB */
        fail_msg("peak memory %ld KiB while rejecting the document", usage.ru_maxrss);
    }
    free(path);
}

static void yaml_deep_nesting_bounded(void **state)
{
    (void)state;
    size_t depth = 5000;
    char *doc = malloc(2 * depth + 8);
    assert_non_null(doc);
    memcpy(doc, "v: ", 3);
    memset(doc + 3, '[', depth);
    memset(doc + 3 + depth, ']', depth);
    strcpy(doc + 3 + 2 * depth, "\n");
    char *error = NULL;
    struct value *root = yaml_load_string(doc, "deep.yaml", &error);
    assert_null(root);
    assert_non_null(error);
    assert_non_null(strstr(error, "deep.yaml:1: "));
    free(error);
    free(doc);
}

/* An alias of a deep node, used deep, nests past the limit only once expanded. */
static void yaml_deep_alias_bounded(void **state)
{
    (void)state;
    size_t depth = 150; /* each half alone is within the 200 levels */
    char *doc = malloc(4 * depth + 32);
    assert_non_null(doc);
    char *p = doc;
    p += sprintf(p, "a: &a ");
    memset(p, '[', depth), p += depth;
    *p++ = '1';
    memset(p, ']', depth), p += depth;
    p += sprintf(p, "\nb: ");
    memset(p, '[', depth), p += depth;
    p += sprintf(p, "*a");
    memset(p, ']', depth), p += depth;
    strcpy(p, "\n");
    char *error = NULL;
    struct value *root = yaml_load_string(doc, "alias.yaml", &error);
    assert_null(root);
    assert_non_null(error);
    assert_non_null(strstr(error, "alias.yaml:2: document nested deeper than 200 levels"));
    free(error);
    free(doc);
}

/*
 * Few nodes, much text: a 4,000-byte string aliased 100,000 times stays
 * under the node budget but would be 400 MB; the text budget refuses it.
 */
static void yaml_alias_text_bounded(void **state)
{
    (void)state;
    char *doc = malloc(8192);
    assert_non_null(doc);
    char *p = doc;
    p += sprintf(p, "s: &s ");
    memset(p, 'x', 4000), p += 4000;
    p += sprintf(p, "\nl0: &l0 [*s, *s, *s, *s, *s, *s, *s, *s, *s, *s]\n");
    for (int level = 1; level < 5; level++) {
        p += sprintf(p, "l%d: &l%d [", level, level);
        for (int i = 0; i < 10; i++) {
            p += sprintf(p, "%s*l%d", i > 0 ? ", " : "", level - 1);
        }
        p += sprintf(p, "]\n");
    }
    char *error = NULL;
    struct value *root = yaml_load_string(doc, "text.yaml", &error);
    assert_null(root);
    assert_non_null(error);
    assert_non_null(strstr(error, "document too large (more than 67108864 bytes of text"));
    free(error);
    free(doc);
}

/* Merging many keys is linear: 90 merges of a 10,000-key map, the map's own keys winning. */
static void yaml_many_merges(void **state)
{
    (void)state;
    size_t cap = 400000;
    char *doc = malloc(cap);
    assert_non_null(doc);
    char *p = doc;
    p += sprintf(p, "base: &b {");
    for (int i = 0; i < 10000; i++) {
        p += sprintf(p, "%sk%d: %d", i > 0 ? ", " : "", i, i);
    }
    p += sprintf(p, "}\nm:\n  k5: own\n");
    for (int i = 0; i < 90; i++) {
        p += sprintf(p, "  <<: *b\n");
    }
    assert_true((size_t)(p - doc) < cap);
    char *error = NULL;
    struct value *root = yaml_load_string(doc, "merge.yaml", &error);
    assert_null(error);
    assert_non_null(root);
    const struct value *m = value_get(root, "m");
    assert_non_null(m);
    assert_int_equal(m->u.children.count, 10000);
    const struct value *own = value_get(m, "k5");
    assert_int_equal(own->type, VALUE_STRING);
    assert_string_equal(own->u.string, "own");
    assert_int_equal(value_get(m, "k9999")->u.integer, 9999);
    value_free(root);
    free(doc);
}

/* ------------------------------------------------------------------ */
/* check ids                                                           */

static void check_id_format_and_stability(void **state)
{
    (void)state;
    char *a = host_check_id("http", "{\"url\": \"http://a\"}", "{}");
    char *b = host_check_id("http", "{\"url\": \"http://a\"}", "{}");
    assert_non_null(a);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), strlen("http:") + 16);
    assert_memory_equal(a, "http:", 5);
    for (const char *p = a + 5; *p; p++) {
        assert_non_null(strchr("0123456789abcdef", *p));
    }
    free(b);

    char *other_instance = host_check_id("http", "{\"url\": \"http://b\"}", "{}");
    char *other_init = host_check_id("http", "{\"url\": \"http://a\"}", "{\"timeout\": 1}");
    char *other_name = host_check_id("tcp", "{\"url\": \"http://a\"}", "{}");
    assert_string_not_equal(a, other_instance);
    assert_string_not_equal(a, other_init);
    assert_string_not_equal(a + 5, other_instance + 5);
    /* the digest is of the configuration: the same for another check name */
    assert_string_equal(a + 5, other_name + 4);
    free(other_instance);
    free(other_init);
    free(other_name);

    /* the boundary between instance and init_config counts */
    char *x = host_check_id("c", "ab", "c");
    char *y = host_check_id("c", "a", "bc");
    assert_string_not_equal(x, y);
    free(x);
    free(y);
    free(a);
}

/* Known values: an accidental change of the digest would orphan every
 * persistent cache entry (the cache is keyed by check id). FNV-1a 64 over
 * the instance JSON, 0xff, the init_config JSON, 0xff. */
static void check_id_known_values(void **state)
{
    (void)state;
    char *id = host_check_id("x", "{}", "{}");
    assert_string_equal(id, "x:b408f95cc135acab");
    free(id);
    id = host_check_id("http", "{\"url\": \"http://a\"}", "{\"timeout\": 5}");
    assert_string_equal(id, "http:f70da8b758344809");
    free(id);
}

/* Two loads of the same file give the same instance JSON, hence the same id. */
static void check_id_stable_across_loads(void **state)
{
    (void)state;
    free(write_file("conf.d/s.yaml", "init_config: {a: [1, 2]}\ninstances:\n  - {host: h, port: 80, tags: [t]}\n"));
    struct check_config c1, c2;
    load_check_ok("s", &c1);
    load_check_ok("s", &c2);
    char *id1 = host_check_id(c1.name, c1.instances[0].json, c1.instances[0].init_config_json);
    char *id2 = host_check_id(c2.name, c2.instances[0].json, c2.instances[0].init_config_json);
    assert_string_equal(id1, id2);
    free(id1);
    free(id2);
    host_check_config_free(&c1);
    host_check_config_free(&c2);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(config_defaults_without_file),
        T(config_valid_values),
        T(config_absolute_paths_kept),
        T(config_empty_file_gives_defaults),
        T(config_log_level_names),
        T(config_booleans),
        T(config_tags_list_or_lone_string),
        T(config_check_runners_bounds),
        T(config_invalid_yaml_names_line),
        T(config_wrong_types_name_key_and_line),
        T(config_obfuscation_cache),
        T(config_top_level_not_a_map),
        T(config_missing_file),
        T(confd_instances_and_defaults),
        T(confd_init_config_absent_or_null),
        T(confd_no_configuration),
        T(confd_keep_going_skips_bad_files),
        T(confd_keep_going_unreadable),
        T(confd_instances_missing),
        T(confd_instances_not_a_list),
        T(confd_instance_not_a_map),
        T(confd_min_collection_interval_invalid),
        T(confd_init_config_not_a_map),
        T(confd_file_not_a_map),
        T(confd_invalid_yaml_names_file_and_line),
        T(confd_several_files_merged_in_sorted_order),
        T(confd_error_in_second_file),
        T(confd_check_names),
        T(yaml_nulls),
        T(yaml_booleans),
        T(yaml_integers),
        T(yaml_integers_octal_as_pyyaml),
        T(yaml_integers_binary_as_pyyaml),
        T(yaml_floats),
        T(yaml_strings_and_escapes),
        T(yaml_explicit_str_tag),
        T(yaml_collections_to_json),
        T(yaml_aliases_expand),
        T(yaml_value_get_and_paths),
        T(yaml_empty_document),
        T(yaml_billion_laughs_bounded),
        T(yaml_deep_alias_bounded),
        T(yaml_alias_text_bounded),
        T(yaml_many_merges),
        T(yaml_deep_nesting_bounded),
        T(check_id_format_and_stability),
        T(check_id_known_values),
        T(check_id_stable_across_loads),
    };
#undef T
    return cmocka_run_group_tests_name("host_config", tests, NULL, NULL);
}
