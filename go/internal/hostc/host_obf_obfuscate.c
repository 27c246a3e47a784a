/* Compiles the C host's host/obfuscate/obfuscate.c into this package (see obfuscate.go). */
#include "../../../host/obfuscate/obfuscate.c"
