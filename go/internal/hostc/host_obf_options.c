/* Compiles the C host's host/obfuscate/options.c into this package (see obfuscate.go). */
#include "../../../host/obfuscate/options.c"
