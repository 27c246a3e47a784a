/* Compiles the C host's host/obfuscate/json_keys.c into this package (see obfuscate.go). */
#include "../../../host/obfuscate/json_keys.c"
