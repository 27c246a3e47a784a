/* Compiles the C host's host/obfuscate/result_cache.c into this package (see obfuscate.go). */
#include "../../../host/obfuscate/result_cache.c"
