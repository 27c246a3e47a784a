/*
 * yaml_load.h - YAML files into value trees, with libyaml.
 *
 * Scalars resolve as PyYAML's safe loader does (YAML 1.1): null, booleans
 * (true/false/yes/no/on/off), integers, floats, else strings; quoted
 * scalars are always strings. Errors name the file and line.
 */
#ifndef RTLOADER_HOST_YAML_LOAD_H
#define RTLOADER_HOST_YAML_LOAD_H

#include "value.h"

/*
 * Loads the first document of `path`. Returns the tree (an empty file gives
 * a VALUE_NULL node), or NULL with *error = "<path>:<line>: <problem>"
 * (malloc'd).
 */
struct value *yaml_load_file(const char *path, char **error);

/* Same for a string in memory; `name` stands for the file in errors. */
struct value *yaml_load_string(const char *text, const char *name, char **error);

#endif /* RTLOADER_HOST_YAML_LOAD_H */
